import type { StartDeps } from '#functions/start-export/start.ts';

type Slots = StartDeps['slots'];

/**
 * The export slots in memory, as shared/slots/semaphore.ts keeps them in DynamoDB: a lease per export, taken
 * only while fewer than the limit are out. Records every call, so a test can say what was asked.
 */
export class FakeSlots implements Slots {
  readonly leases = new Set<string>();
  readonly calls: string[] = [];
  /** Exports queued before the one asking (the queue itself is the waits function's). */
  queuedAhead = 0;

  constructor(taken: readonly string[] = []) {
    for (const id of taken) this.leases.add(id);
  }

  /** Slots the pipeline already gave to exports of other snapshots. */
  static full(n = 5): FakeSlots {
    return new FakeSlots(Array.from({ length: n }, (_, i) => `leased-${i}`));
  }

  async holds(id: string): Promise<boolean> {
    this.calls.push(`holds ${id}`);
    return this.leases.has(id);
  }

  async take(id: string, limit: number): Promise<boolean> {
    this.calls.push(`take ${id}`);
    if (!this.leases.has(id) && this.leases.size >= limit) return false;
    this.leases.add(id);
    return true;
  }

  async giveBack(id: string): Promise<void> {
    this.calls.push(`giveBack ${id}`);
    this.leases.delete(id);
  }

  /** As the semaphore's reconcile: every active task holds a lease; no other lease stays (no grace here). */
  async reconcile(active: readonly string[]): Promise<void> {
    this.calls.push(`reconcile ${active.join(',')}`);
    this.leases.clear();
    for (const id of active) this.leases.add(id);
  }

  async ahead(): Promise<number> {
    return this.queuedAhead;
  }

  async leave(since: string, id: string): Promise<void> {
    this.calls.push(`leave ${since} ${id}`);
  }
}
