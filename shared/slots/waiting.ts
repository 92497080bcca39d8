import { randomUUID } from 'node:crypto';
import { anyQueued, enqueue, grantSlots } from './grants.ts';
import { needsReconcile, readSlots, reconcileSlots } from './leases.ts';
import { exportSlots, type SlotSemaphore } from './semaphore.ts';
import { exportEnded, parkExportWaiter, type WaitsDeps, wakeExportWaiter } from './waiters.ts';

export type { WaitsDeps } from './waiters.ts';

/**
 * The whole slot semaphore of one pool (./semaphore.ts): its export side, and the queue, the
 * waiters and their waking. Only the waits function imports this file: it holds the IAM to queue
 * and park (PutItem) and to wake a token (states:SendTaskSuccess).
 */
export function slotSemaphore(deps: WaitsDeps): SlotSemaphore {
  const own = exportSlots(deps);
  return {
    ...own,
    enqueue: (entry) => enqueue(deps, entry),
    grant: (now, releaseId = randomUUID()) => grantSlots(deps, now, releaseId),
    release: async (id, now, count) => {
      await own.giveBack(id);
      if (!(await anyQueued(deps, now))) return { woken: [] };
      // The leases are exact for the pipeline's own exports: the service is counted (once) only
      // when the last count is old or a task started outside the pipeline holds a slot.
      const before = await readSlots(deps);
      if (!needsReconcile(before, now)) return { woken: await grantSlots(deps, now, randomUUID(), before) };
      const active = await count();
      await reconcileSlots(deps, active.identifiers, now, before);
      // The reconcile rewrote the leases: the grant reads them again.
      return { activeExports: active.count, woken: await grantSlots(deps, now, randomUUID()) };
    },
    park: (waiter) => parkExportWaiter(deps, waiter),
    ended: (sourceArn, now) => exportEnded(deps, sourceArn, now),
    wake: (sourceArn, waiter, output) => wakeExportWaiter(deps, sourceArn, waiter, output),
  };
}
