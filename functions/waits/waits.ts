import type { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import type { RDSClient } from '@aws-sdk/client-rds';
import { logger } from '#shared/runtime/logger.ts';
import type { ActiveTasks, SlotSemaphore } from '#shared/slots/semaphore.ts';
import { slotSemaphore, type WaitsDeps } from '#shared/slots/waiting.ts';
import { slotsOf } from '#shared/sources/kinds/registry/slots.ts';
import type { SourceAccounts } from '#shared/sources/rds/clients.ts';
import { EXPORT_ENDED_EVENTS, eventOf } from '#shared/sources/rds/events.ts';
import { describeExportTask, isActiveExportStatus } from '#shared/sources/rds/export-tasks.ts';
import { rdsSlots } from '#shared/sources/rds/slots.ts';
import type { ExportEvent, WaitsInput } from './input.ts';

export interface WaitsFunctionDeps extends Omit<WaitsDeps, 'pool'> {
  /** RDS of the deployment's own account and Region. */
  rds: Pick<RDSClient, 'send'>;
  /** A source's account and Region, when the deployment serves others (else all are `rds`'s). */
  accounts?: SourceAccounts;
  /** Counts the graph pool's active exports (Neptune Analytics ListExportTasks). */
  graphs?: Pick<NeptuneGraphClient, 'send'>;
  now: () => Date;
}

export type WaitsResult =
  | { action: 'woken'; exportTaskIdentifiers: string[]; eventId: string; granted?: string[] }
  | { action: 'ignored'; reason: string }
  | { action: 'parked'; woken?: true | string[] }
  | { action: 'released'; activeExports?: number; woken: string[] };

/** Handles one event or one call from the state machine (see ./input.ts); logs what it did. */
export async function handleWaits(input: WaitsInput, deps: WaitsFunctionDeps): Promise<WaitsResult> {
  const result = await route(input, deps);
  logger.info('waits', { ...result });
  return result;
}

async function route(input: WaitsInput, deps: WaitsFunctionDeps): Promise<WaitsResult> {
  const now = deps.now();
  // A slot wait and a release concern the slots and queue of the export's kind's pool. An
  // export-finished event is RDS's (./input.ts): the export it ends held one of RDS's slots.
  const kindSlots = 'sourceKind' in input ? slotsOf(input.sourceKind) : rdsSlots;
  // ... of the source's account and Region: its RDS counts the pool and describes its tasks.
  const arn = 'source' in input ? endedSource(input) : input.sourceArn;
  const rds = arn === undefined ? deps.rds : (deps.accounts?.rds(arn) ?? deps.rds);
  const scope = arn === undefined ? undefined : deps.accounts?.slots(arn);
  const slots = slotSemaphore({ ...deps, pool: kindSlots.pool, scope });
  const count = () => kindSlots.active({ ...deps, rds });
  if ('source' in input) return exportFinished(input, { ...deps, rds }, slots, count, now);
  switch (input.action) {
    case 'wait-export': {
      const parked = await slots.park({
        sourceArn: input.sourceArn,
        exportTaskIdentifier: input.exportTaskIdentifier,
        token: input.taskToken,
        checkedAt: new Date(input.checkedAt),
        now,
      });
      if (parked === 'waiting') return { action: 'parked' };
      // An export of the source ended (its event came) after the execution last looked: look again
      // now (it parks again if the event was another export's).
      await slots.wake(
        input.sourceArn,
        { exportTaskIdentifier: input.exportTaskIdentifier, token: input.taskToken },
        { woken: 'ended-before-parking' },
      );
      return { action: 'parked', woken: true };
    }
    case 'wait-slot': {
      await slots.enqueue({
        exportTaskIdentifier: input.exportTaskIdentifier,
        since: input.since,
        limit: input.limit,
        token: input.taskToken,
        now,
      });
      // A slot given back between the export's failed take and this park has no one to go to:
      // grant it now (oldest first, so maybe to this export).
      const woken = await slots.grant(now);
      return woken.length > 0 ? { action: 'parked', woken } : { action: 'parked' };
    }
    case 'release':
      return { action: 'released', ...(await slots.release(input.exportTaskIdentifier, now, count)) };
  }
}

/**
 * An export-finished event names the source, not the task: the source's waiting exports are found
 * by the source, and each one's task is described before it is woken. A task that still runs was
 * not the one the event is for (an earlier export of the snapshot, an overlapping slot of the
 * cluster, an export started outside the pipeline): its waiter stays and its slot stays taken.
 * A task that ended gives its slot back before its waiter is woken, so an event retried after a
 * failure (a throttled wake) still finds the waiter and does both.
 */
async function exportFinished(
  input: ExportEvent,
  deps: WaitsFunctionDeps,
  slots: SlotSemaphore,
  count: () => Promise<ActiveTasks>,
  now: Date,
): Promise<WaitsResult> {
  const eventId = input.detail.EventID;
  if (eventOf(EXPORT_ENDED_EVENTS, eventId) === undefined) {
    return { action: 'ignored', reason: `${eventId} is not an export-finished event` };
  }
  const sourceArn = endedSource(input);
  if (sourceArn === undefined) return { action: 'ignored', reason: `${eventId} names no source ARN` };
  // Recording the end first lets a waiter parking a moment later see it.
  const waiters = await slots.ended(sourceArn, now);
  if (waiters.length === 0) {
    return {
      action: 'ignored',
      reason: `${eventId}: no execution waits on ${sourceArn} (late, duplicate, or not ours)`,
    };
  }
  const woken: string[] = [];
  const running: string[] = [];
  const granted: string[] = [];
  for (const waiter of waiters) {
    const task = await describeExportTask(deps.rds, waiter.exportTaskIdentifier);
    if (task !== undefined && isActiveExportStatus(task.status)) {
      running.push(waiter.exportTaskIdentifier);
      continue;
    }
    // Ended: its slot is free, and the next queued export starts while this one is still being
    // checked (its own release, after the check, then finds nothing left to do). A task RDS does
    // not list is left to its execution, which looks and releases on its own.
    if (task !== undefined)
      granted.push(...(await slots.release(waiter.exportTaskIdentifier, now, count)).woken);
    if (await slots.wake(sourceArn, waiter, { woken: 'event', eventId }))
      woken.push(waiter.exportTaskIdentifier);
  }
  if (woken.length === 0) {
    return {
      action: 'ignored',
      reason:
        running.length > 0
          ? `${eventId}: the exports waiting on ${sourceArn} still run (${running.join(', ')}): the event is another task's`
          : `${eventId}: the waiter on ${sourceArn} no longer waits`,
    };
  }
  return {
    action: 'woken',
    eventId,
    exportTaskIdentifiers: woken,
    ...(granted.length === 0 ? {} : { granted }),
  };
}

/** The source an export-finished event names (its SourceArn, else its first resource). */
function endedSource(input: ExportEvent): string | undefined {
  return input.detail.SourceArn ?? input.resources?.[0];
}
