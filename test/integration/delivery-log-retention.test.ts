import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/host/store/database.js';
import { DeliveryLogStore, type DeliveryLogEntry } from '../../src/host/store/delivery-logs.js';

describe('delivery log retention', () => {
  it('deletes the entries older than the cutoff, in chunks, and keeps the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'datafly-logs-'));
    const db = openDatabase(dir);
    try {
      const logs = new DeliveryLogStore(db);
      const entry = (n: number, day: string): DeliveryLogEntry => ({
        integration_id: 'int_1',
        message_id: `m-${n}`,
        attempt: 1,
        status: 'delivered',
        warnings: [],
        duration_ms: 1,
        created_at: `${day}T12:00:00.000Z`,
      });
      logs.append([...Array.from({ length: 25 }, (_, n) => entry(n, '2026-01-01')), ...Array.from({ length: 5 }, (_, n) => entry(100 + n, '2026-03-01'))]);
      expect(logs.prune('2026-02-01T00:00:00.000Z', 10)).toBe(25);
      const left = logs.page('int_1', { limit: 100 }).rows.map((r) => r.message_id);
      expect(left).toEqual(['m-104', 'm-103', 'm-102', 'm-101', 'm-100']);
      expect(logs.prune('2026-02-01T00:00:00.000Z')).toBe(0);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
