import Database from 'better-sqlite3';

/**
 * Parts of the floor host (bench/floor-host.ts) that the step timings (bench/ingest-steps.ts,
 * bench/deliver-steps.ts) run too, apart from the host, whose module starts its server.
 */
const VALUE_CHARS = 1023;

/** The floor's queue on SQLite: one table in WAL with synchronous=FULL, and its insert (a messageId queued once). */
export function openFloorSqlite(file: string): { db: Database.Database; insert: Database.Statement } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table if not exists queue (id integer primary key autoincrement, message_id text not null unique, event_json text not null)');
  return { db, insert: db.prepare('insert into queue (message_id, event_json) values (?, ?) on conflict (message_id) do nothing') };
}

/** Flat keys, string/number/boolean values of Heap's length: what `/api/track` takes. */
function flatten(value: unknown, prefix: string, out: Record<string, unknown>): Record<string, unknown> {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) out[prefix] = JSON.stringify(value).slice(0, VALUE_CHARS);
  else if (typeof value === 'object') for (const key in value) flatten((value as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key, out);
  else if (typeof value === 'string') out[prefix] = value.length > VALUE_CHARS ? value.slice(0, VALUE_CHARS) : value;
  else out[prefix] = value;
  return out;
}

/** One `/api/track` body for these queued events (each parsed back, properties flattened). */
export function trackBody(appId: string, rows: readonly { event_json: string }[]): string {
  const events = rows.map((row) => {
    const e = JSON.parse(row.event_json) as Record<string, unknown>;
    const user = typeof e.userId === 'string' ? { identity: e.userId } : { user_id: String(e.anonymousId) };
    return { ...user, event: e.event, timestamp: e.timestamp, idempotency_key: e.messageId, properties: flatten(e.properties, '', {}) };
  });
  return JSON.stringify({ app_id: appId, events });
}
