import type { Store } from './store.js';

interface Waiting {
  work: (tx: Store) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Durable writes that arrive together commit together: every write handed in during one turn of
 * the event loop (and while the previous group is committing) runs in one `full` transaction, so
 * eight clients sending one event each pay for one flush to disk, not eight. On SQLite that flush
 * blocks the only thread; alone it was half of what a one-event request cost.
 *
 * Each write gets its own result, as if it had run alone, and nothing is answered before the group's
 * commit is on disk. If the group's transaction fails, each of its writes is tried again alone, so
 * one write that cannot commit never fails its neighbours.
 */
export class GroupCommit {
  private next: Waiting[] = [];
  private scheduled = false;
  private committing: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  run<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.next.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the current turn's I/O callbacks: every request read in this turn joins the group.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    await this.committing;
    const group = this.next;
    this.next = [];
    this.scheduled = false;
    if (group.length === 0) return;
    this.committing = this.commit(group);
    try {
      await this.committing;
    } finally {
      this.committing = undefined;
    }
  }

  private async commit(group: Waiting[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.store.transaction(async (tx) => {
        const out: unknown[] = [];
        for (const w of group) out.push(await w.work(tx));
        return out;
      }, 'full');
    } catch (error) {
      if (group.length === 1) return group[0].reject(error);
      for (const w of group) {
        await this.store.transaction((tx) => w.work(tx), 'full').then(w.resolve, w.reject);
      }
      return;
    }
    group.forEach((w, i) => w.resolve(results[i]));
  }
}
