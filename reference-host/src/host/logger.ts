import type { Logger } from '@datafly/heap-integration/contract';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const REDACTED = '[redacted]';

/**
 * Standard output as a log sink that outlives its reader: once stdout fails (EPIPE when the reader of
 * `npm start | head` is gone), lines are dropped. Without this the failed write is an uncaught error,
 * whose log line fails again, and the process spins instead of serving or stopping.
 */
export function stdoutSink(): (line: string) => void {
  let open = true;
  process.stdout.on('error', () => {
    open = false;
  });
  return (line) => {
    if (open) process.stdout.write(line);
  };
}

/** The contract's four levels, each one call of `log`: where a line goes is the subclass's. */
export abstract class LevelledLogger implements Logger {
  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.log('error', message, fields);
  }

  protected abstract log(level: Level, message: string, fields?: Record<string, unknown>): void;
}

/** `text` with every occurrence of each of `secrets` (as they appear in it) replaced by REDACTED. */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== '' && out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * One JSON object per line. Before a line is written, every known secret value is replaced, so a
 * secret that slipped into a message or a field (a vendor echoing it back, say) never reaches a log.
 */
export class JsonLogger extends LevelledLogger {
  constructor(
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
    private readonly minLevel: Level = 'info',
    private readonly base: Record<string, unknown> = {},
    /** Shared with every child, so one refresh covers them all; as they appear inside a JSON string. */
    private readonly secrets: { escaped: string[] } = { escaped: [] },
  ) {
    super();
  }

  /** The secret values to scrub; the host refreshes this whenever an integration changes. */
  setSecrets(values: readonly string[]): void {
    this.secrets.escaped = [...new Set(values.filter((v) => v.length >= 4))].sort((a, b) => b.length - a.length).map((v) => JSON.stringify(v).slice(1, -1));
  }

  child(fields: Record<string, unknown>): JsonLogger {
    return new JsonLogger(this.write, this.minLevel, { ...this.base, ...fields }, this.secrets);
  }

  protected log(level: Level, message: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < ORDER[this.minLevel]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...this.base, ...fields });
    this.write(`${withoutSecrets(line, this.secrets.escaped)}\n`);
  }
}
