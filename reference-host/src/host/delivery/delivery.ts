/**
 * What the rest of the host asks of delivery, wherever it runs: in the host's own thread
 * (DeliveryScheduler) or in a worker thread of its own (DeliveryThread).
 */
export interface Delivery {
  start(): Promise<void>;
  /** Wakes the workers of these integrations (new events were queued). */
  notify(integrationIds: readonly string[]): void;
  /** A deletion of users of this integration was just requested: the next batch reads the deletions again. */
  forgetDeletedUsers(integrationId: string): void;
  /** Lets the batches in flight finish and settle, then stops. */
  stop(): Promise<void>;
  /** Resolves once every enabled, running integration has nothing left to deliver. */
  drained(timeoutMs?: number): Promise<void>;
  /** Resolves once every integration change seen so far is applied to delivery. */
  applied(): Promise<void>;
}
