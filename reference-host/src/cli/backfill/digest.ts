import { createHash, type Hash } from 'node:crypto';

/**
 * The SHA-256 of the input's bytes before an offset, kept as the run reads, so each checkpoint can
 * bind its offset to the bytes before it. The reader shows each chunk before its buffer is used
 * again (`enter`, then `leave` hashes what is left of it); the batcher asks for the digest at each
 * batch's end, which lies in the chunk being read. Each byte is hashed once.
 */
export class PrefixDigest {
  private chunk: Buffer = Buffer.alloc(0);
  private chunkStart: number;
  /** The bytes before this offset are in the hash. */
  private hashed: number;

  /** `hash` holds the bytes before `offset` (a fresh one for offset 0). */
  constructor(
    private readonly hash: Hash = createHash('sha256'),
    offset = 0,
  ) {
    this.hashed = offset;
    this.chunkStart = offset;
  }

  /** The reader read `chunk`, which starts at byte `start` (where the last chunk ended). */
  enter(chunk: Buffer, start: number): void {
    if (start !== this.hashed) throw new Error(`a chunk at byte ${start} does not follow byte ${this.hashed}`);
    this.chunk = chunk;
    this.chunkStart = start;
  }

  /** The reader is about to read into the chunk's buffer again: the rest of it goes into the hash now. */
  leave(): void {
    this.hashUpTo(this.chunkStart + this.chunk.length);
    this.chunk = Buffer.alloc(0);
    this.chunkStart = this.hashed;
  }

  /** The hex digest of the bytes before `offset`, which lies in the chunk being read. */
  before(offset: number): string {
    this.hashUpTo(offset);
    return this.hash.copy().digest('hex');
  }

  private hashUpTo(offset: number): void {
    if (offset < this.hashed || offset > this.chunkStart + this.chunk.length) throw new Error(`byte ${offset} is not in the chunk being read`);
    this.hash.update(this.chunk.subarray(this.hashed - this.chunkStart, offset - this.chunkStart));
    this.hashed = offset;
  }
}
