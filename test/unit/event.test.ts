import { describe, expect, it } from '@jest/globals';
import { eventTime, fieldIssues, IncomingEventSchema, readTime } from '../../src/contract/index.js';

const TS = '2026-02-25T14:30:00.000Z';
const issues = (event: Record<string, unknown>) => {
  const parsed = IncomingEventSchema.safeParse(event);
  return parsed.success ? [] : fieldIssues(parsed.error).map((i) => `${i.field}: ${i.message}`);
};

describe('the canonical event (contract)', () => {
  it('takes screen events, and null objects as absent (like a null userId)', () => {
    expect(issues({ type: 'screen', name: 'Home', anonymousId: 'a' })).toEqual([]);
    expect(issues({ type: 'track', event: 'E', anonymousId: 'a', properties: null, traits: null, context: null })).toEqual([]);
    expect(issues({ type: 'page', anonymousId: 'a', context: { page: null, campaign: null, consent: null, traits: null } })).toEqual([]);
    expect(issues({ type: 'alias', anonymousId: 'a' })).toEqual(['type: must be one of track, page, screen, identify, group']);
  });

  it('refuses an event whose only id is a placeholder, naming it; a placeholder beside a real id is fine', () => {
    expect(issues({ type: 'track', event: 'E', userId: 0 })).toEqual(['userId: userId 0 is a placeholder for no user (like "", "null", "undefined", "0"), not an id: an event needs a userId or an anonymousId']);
    expect(issues({ type: 'track', event: 'E', anonymousId: ' undefined ' })).toEqual([
      'anonymousId: anonymousId " undefined " is a placeholder for no user (like "", "null", "undefined", "0"), not an id: an event needs a userId or an anonymousId',
    ]);
    expect(issues({ type: 'track', event: 'E', userId: '0', anonymousId: 'a' })).toEqual([]);
  });

  it('names the misspelled field in the refusal it causes', () => {
    expect(issues({ type: 'track', event: 'E', userID: 'u-1' })).toEqual(['anonymousId: an event needs a userId or an anonymousId; "userID" is not an event field: did you mean "userId"?']);
    expect(issues({ type: 'track', evnet: 'E', userId: 'u-1' })).toEqual(['event: a track event needs a non-empty event name; "evnet" is not an event field: did you mean "event"?']);
    expect(issues({ type: 'group', groupID: 'acme', userId: 'u-1' })).toEqual(['groupId: a group event needs a groupId (the account it describes); "groupID" is not an event field: did you mean "groupId"?']);
  });

  it('takes times as ISO 8601 or epoch milliseconds from 2000 to 2100; refuses seconds and text, saying how to send them', () => {
    expect(issues({ type: 'track', event: 'E', userId: 'u', timestamp: Date.parse(TS), originalTimestamp: TS, sentAt: 946684800000, receivedAt: 4102444799999 })).toEqual([]);
    expect(issues({ type: 'track', event: 'E', userId: 'u', timestamp: 1772029800 })).toEqual([
      'timestamp: as a number must be epoch milliseconds from 2000-01-01 to 2100-01-01 (946684800000 to 4102444799999); this looks like seconds: multiply by 1000; or send an ISO 8601 date-time such as 2026-02-25T14:30:00.000Z',
    ]);
    expect(issues({ type: 'track', event: 'E', userId: 'u', originalTimestamp: 'yesterday', sentAt: true })).toEqual([
      'originalTimestamp: must be an ISO 8601 date-time, e.g. 2026-02-25T14:30:00.000Z',
      'sentAt: must be an ISO 8601 date-time, e.g. 2026-02-25T14:30:00.000Z, or epoch milliseconds',
    ]);
    expect(readTime(4102444800000)).toMatchObject({ ok: false });
    expect(readTime('2026-02-30T00:00:00.000Z')).toMatchObject({ ok: false });
    expect(readTime('2026-02-25T16:30:00+02:00')).toEqual({ ok: true, iso: TS });
  });
});

describe('eventTime: when the event happened, by the Segment spec', () => {
  it('takes timestamp first, then originalTimestamp, skew-corrected with sentAt and receivedAt, and says which rule applied', () => {
    expect(eventTime({ timestamp: TS, originalTimestamp: '2020-01-01T00:00:00Z' })).toEqual({ time: TS, rule: 'timestamp' });
    expect(eventTime({ originalTimestamp: '2026-02-25T14:00:00Z', sentAt: '2026-02-25T14:05:00Z', receivedAt: '2026-02-25T14:35:00Z' })).toMatchObject({ time: TS, rule: 'originalTimestamp_corrected' });
    expect(eventTime({ originalTimestamp: TS, sentAt: '2026-02-25T14:31:00Z' })).toEqual({
      time: TS,
      rule: 'originalTimestamp',
      note: `time from originalTimestamp ${TS} as sent (without a readable receivedAt the sender's clock cannot be corrected)`,
    });
    expect(eventTime({ timestamp: 'soon', originalTimestamp: TS })).toEqual({
      time: TS,
      rule: 'originalTimestamp',
      note: `timestamp "soon" was not read: it must be an ISO 8601 date-time, e.g. 2026-02-25T14:30:00.000Z, or epoch milliseconds; time from originalTimestamp ${TS} as sent (without a readable sentAt and receivedAt the sender's clock cannot be corrected)`,
    });
    expect(eventTime({})).toEqual({ rule: 'none', note: 'the event has no timestamp or originalTimestamp: sent without a time, so the receiving end uses the time it receives it' });
  });
});
