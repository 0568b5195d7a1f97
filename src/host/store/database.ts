import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type Db = Database.Database;

/** Schema, applied in order; `user_version` remembers how far a data directory has come. */
const MIGRATIONS = [
  `CREATE TABLE integrations (
     id TEXT PRIMARY KEY,
     catalog_key TEXT NOT NULL,
     name TEXT NOT NULL,
     variant TEXT NOT NULL,
     delivery_mode TEXT NOT NULL,
     enabled INTEGER NOT NULL DEFAULT 1,
     config_json TEXT NOT NULL,          -- non-secret config fields
     secrets_json TEXT NOT NULL,         -- secret fields, each AES-256-GCM sealed
     blueprint_json TEXT NOT NULL,
     revision INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE revisions (
     integration_id TEXT NOT NULL,
     revision_number INTEGER NOT NULL,
     config_json TEXT NOT NULL,
     secrets_json TEXT NOT NULL,
     blueprint_json TEXT NOT NULL,
     enabled INTEGER NOT NULL,
     delivery_mode TEXT NOT NULL,
     change_summary TEXT NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (integration_id, revision_number)
   );
   CREATE TABLE queue (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     integration_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     event_json TEXT NOT NULL,
     state TEXT NOT NULL,                -- pending | inflight | dead
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     accepted_at INTEGER NOT NULL,
     last_status TEXT,
     last_code TEXT,
     last_error TEXT,
     last_http_status INTEGER,
     dead_at INTEGER,
     UNIQUE (integration_id, message_id)
   );
   CREATE INDEX queue_due ON queue (integration_id, state, next_attempt_at, id);
   CREATE TABLE delivery_logs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     integration_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     event_type TEXT,
     event_name TEXT,
     attempt INTEGER NOT NULL,
     status TEXT NOT NULL,
     http_status INTEGER,
     code TEXT,
     message TEXT,
     response TEXT,
     warnings_json TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX delivery_logs_by_integration ON delivery_logs (integration_id, id);
   CREATE INDEX delivery_logs_by_message ON delivery_logs (integration_id, message_id);`,
];

/**
 * Opens the host's SQLite file. WAL with synchronous=FULL: an event the ingestion call accepted
 * survives a crash of the process and of the machine.
 */
export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'host.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
  return db;
}
