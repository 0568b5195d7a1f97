const ACCEPTED_MAX = 50_000;

/**
 * The user_id → identity pairs Heap accepted from this adapter. A user_id maps to one identity for
 * good, so sending a pair again (every identify of a signed-in visitor carries it) only spends
 * requests. Bounded: forgetting costs one repeated call, never a wrong one.
 */
export class AcceptedMerges {
  private readonly keys = new Set<string>();

  readonly has = (key: string): boolean => this.keys.has(key);

  remember(key: string): void {
    if (this.keys.size >= ACCEPTED_MAX) this.keys.clear();
    this.keys.add(key);
  }
}
