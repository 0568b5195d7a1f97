import { describe, expect, it } from '@jest/globals';
import { deletionBatches, deletionBody, deletionPart, deletionStatusOf, deletionUsers } from '../../src/heap/deletion.js';
import { anonymousUserId } from '../../src/heap/identity.js';

describe('users to delete, as Heap knows them', () => {
  it('sends userIds as the identities events were sent with and anonymous ids as the user_id their events went under, each once', () => {
    expect(deletionUsers({ userIds: ['user-1', 'user-2', 'user-1'], anonymousIds: ['anon-1', 'anon-1'] }, 'user_id_hash')).toEqual({
      users: [{ identity: 'user-1' }, { identity: 'user-2' }, { user_id: anonymousUserId('anon-1') }],
      refused: [],
    });
  });

  it('follows the blueprint’s anonymous strategy: identity sends the anonymousId itself', () => {
    expect(deletionUsers({ anonymousIds: ['anon-1'] }, 'identity').users).toEqual([{ identity: 'anon-1' }]);
    expect(deletionUsers({ anonymousIds: ['anon-1'] }, 'drop').users).toEqual([{ user_id: '1639105742322265' }]);
  });

  it('refuses, naming each, the ids no event could have reached Heap with', () => {
    expect(deletionUsers({ userIds: ['null', '', 'u'.repeat(256), 'ok'], anonymousIds: ['undefined'] }, 'user_id_hash')).toEqual({
      users: [{ identity: 'ok' }],
      refused: [
        'userIds[0]: not an id Heap could have received (empty, a placeholder such as "null", or not a string)',
        'userIds[1]: not an id Heap could have received (empty, a placeholder such as "null", or not a string)',
        "userIds[2]: 256 characters, Heap's identities have at most 255",
        'anonymousIds[0]: not an id Heap could have received (empty, a placeholder such as "null", or not a string)',
      ],
    });
  });

  it('cuts 25,000 users into requests of 10,000, 10,000 and 5,000', () => {
    const users = Array.from({ length: 25_000 }, (_, i) => ({ identity: `user-${i}` }));
    expect(deletionBatches(users).map((b) => [b.length, b[0]])).toEqual([
      [10_000, { identity: 'user-0' }],
      [10_000, { identity: 'user-10000' }],
      [5_000, { identity: 'user-20000' }],
    ]);
    expect(deletionBody(users.slice(0, 2))).toBe('{"users":[{"identity":"user-0"},{"identity":"user-1"}]}');
  });
});

describe('Heap’s answers to the privacy API', () => {
  it('reads a 201 as an accepted part, and a 2xx without an id as a failure', () => {
    const delivered = { kind: 'delivered', httpStatus: 201, response: '' } as const;
    expect(deletionPart(3, delivered, '{"deletion_request_id":"d-1","deletion_request_location":"/x","status":"pending"}')).toEqual({ ok: true, users: 3, requestId: 'd-1', status: 'pending' });
    expect(deletionPart(3, delivered, 'OK')).toEqual({ ok: false, users: 3, code: 'unexpected_status', message: 'Heap answered 201 without a deletion_request_id', httpStatus: 201, retryable: false });
  });

  it('reads deletion_status: pending, complete, 404 as not_found', () => {
    const delivered = { kind: 'delivered', httpStatus: 200, response: '' } as const;
    expect(deletionStatusOf('d-1', delivered, '{"deletion_request_id":"d-1","status":"complete"}')).toEqual({ requestId: 'd-1', status: 'complete' });
    const missing = { kind: 'failed', httpStatus: 404, code: 'endpoint_not_found', message: '…' } as const;
    expect(deletionStatusOf('d-2', missing, '{}')).toEqual({ requestId: 'd-2', status: 'not_found', httpStatus: 404, message: 'Heap knows no deletion request d-2' });
  });
});
