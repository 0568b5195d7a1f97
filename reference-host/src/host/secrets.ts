import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Thrown when a sealed value was altered or sealed under another key: never decrypted to garbage. */
export class SecretTamperedError extends Error {
  readonly code = 'secret_tampered';
  constructor() {
    super('A stored secret failed its integrity check: it was altered, or DATAFLY_SECRET_KEY changed since it was stored');
  }
}

const VERSION = 'v1';

/**
 * AES-256-GCM with a random 96-bit nonce per value. Sealed form: `v1.<nonce>.<tag>.<ciphertext>`,
 * base64url parts, so it is plain text in SQLite and self-describing.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes (64 hex characters)');
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, nonce, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  open(sealed: string): string {
    const [version, nonce, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !nonce || !tag || ciphertext === undefined) throw new SecretTamperedError();
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretTamperedError();
    }
  }
}

/** `DATAFLY_SECRET_KEY` (64 hex chars) when set, else a key generated once into the data directory. */
export function loadSecretKey(dataDir: string, fromEnv: string | undefined): Buffer {
  if (fromEnv) {
    if (!/^[0-9a-fA-F]{64}$/.test(fromEnv)) throw new Error('DATAFLY_SECRET_KEY must be 64 hexadecimal characters (32 bytes)');
    return Buffer.from(fromEnv, 'hex');
  }
  return Buffer.from(readOrCreate(join(dataDir, 'secret.key'), () => randomBytes(32).toString('hex')).value, 'hex');
}

/** A value kept in the data directory with owner-only permissions, made on first use. */
export function readOrCreate(path: string, make: () => string): { value: string; generated: boolean } {
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), generated: false };
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return { value, generated: true };
}
