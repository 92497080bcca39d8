import type {
  ExecutionState,
  ExportTaskSummary,
  QueueState,
  StartResult,
} from '#shared/contract/execution.ts';
import { logger } from '#shared/runtime/logger.ts';
import { secondsBetween } from '#shared/runtime/time.ts';
import type { ExportSlots } from '#shared/slots/semaphore.ts';
import { queueWait } from './backoff.ts';
import type { ExportService } from './service.ts';

export interface StartDeps {
  /** The service that starts this export (./service.ts): RDS's, or Neptune Analytics' for a graph. */
  service: ExportService;
  /**
   * Whether the kind's service announces the end of its exports (its `start`,
   * shared/sources/kinds/registry/start.ts `startOf`): recorded in a tracked task's result, where
   * the state machine's `Export end announced?` choices read it.
   */
  endAnnounced: boolean;
  now: () => Date;
  /** Uniform in [0, 1): the jitter of the queue backoff. */
  random: () => number;
  queueBaseWaitSeconds: number;
  queueMaxWaitSeconds: number;
  /** The export's pool of slots and its place in their queue (shared/slots/semaphore.ts). */
  slots: Pick<ExportSlots, 'holds' | 'take' | 'giveBack' | 'reconcile' | 'ahead' | 'leave'>;
}

/**
 * First check after a start, when polling. Short, because a small export can finish within a
 * minute; the check function grows its waits from here (see functions/check-export/next-wait.ts).
 */
export const FIRST_CHECK_WAIT_SECONDS = 20;
/**
 * First wait for the export-finished event, where the kind's service announces the end (RDS): the
 * event ends the wait, so this only bounds what a lost event costs; it is the start of eventWait's
 * horizon (next-wait.ts), which grows from here. A quarter of an hour: an export restores the
 * snapshot first, which seldom takes less, and a lost event on a shorter export costs at most this.
 */
export const FIRST_EVENT_WAIT_SECONDS = 900;
/** A task found already finished is checked again at once, so the machine reports it. */
const FINISHED_CHECK_WAIT_SECONDS = 1;
const FINISHED = new Set(['COMPLETE', 'FAILED', 'CANCELED']);

/**
 * Starts the job's export once it holds one of the account's export slots (shared/slots/): a
 * lease taken with a conditional write, so starting costs no DynamoDB scan and no count of the
 * account's tasks. Without a slot the export queues; a release grants it one (`$.slot.granted`)
 * and it starts at once. RDS's count is read only where the leases may be wrong: when a queued
 * export's timeout looks again (a task started outside the pipeline, a lease left behind), and when
 * RDS refuses the start for its quota (a task started outside the pipeline took the slot); the
 * count also shows this export's own task, if a duplicate or a re-run already started it.
 */
export async function startExport(state: ExecutionState, deps: StartDeps): Promise<StartResult> {
  const identifier = state.exportTaskIdentifier;
  const previousQueue = state.start?.queue;
  const granted = state.slot !== undefined && 'granted' in state.slot;
  const checkedAt = deps.now().toISOString();
  const limit = state.limits.maxConcurrentExports;
  const service = deps.service;

  // An export that waited for another export of its source kept its lease (`wait`, below).
  const holding = !granted && previousQueue !== undefined && (await deps.slots.holds(identifier));
  const take = () => deps.slots.take(identifier, limit, deps.now());
  const ahead = (since: string) => deps.slots.ahead(since, identifier, deps.now());
  const reconcile = (active: readonly string[]) => deps.slots.reconcile(active, deps.now());
  // A granted export takes its slot again (keeping the lease it holds): a start that failed and is
  // retried gave the granted lease back, and must not start without one.
  if (granted && !(await take())) {
    const queuedAhead = await ahead(previousQueue?.since ?? checkedAt);
    logger.info('The granted slot went back after a failed start and none is free now; waiting', {
      queuedAhead,
    });
    return queued(state, undefined, queuedAhead, deps);
  }
  if (!granted && !holding) {
    if (previousQueue !== undefined) {
      // Far back in the queue, a wait that timed out waits again: counting the account's tasks
      // cannot free a slot for it while the exports ahead of it wait too.
      const queuedAhead = await ahead(previousQueue.since);
      if (queuedAhead >= limit) return queued(state, undefined, queuedAhead, deps);
      const active = await service.active(state);
      await reconcile(active.identifiers);
      // A duplicate event or a re-run execution must never start a second task, nor wait for a slot
      // (the reconcile gave its running task a lease, which its release gives back).
      if (active.mine) return leaveQueue(tracking(active.mine, previousQueue, checkedAt, deps), state, deps);
    }
    if (!(await take())) {
      const queuedAhead = await ahead(previousQueue?.since ?? checkedAt);
      logger.info('Export slots full; waiting', { queuedAhead });
      return queued(state, undefined, queuedAhead, deps);
    }
  }

  let outcome: Awaited<ReturnType<ExportService['start']>>;
  try {
    outcome = await service.start(state);
  } catch (error) {
    await deps.slots.giveBack(identifier).catch((giveBackError: unknown) => {
      // The start's own error is what the machine reports; a lease left behind is reconciled.
      logger.warn('Could not give the export slot back', { error: String(giveBackError) });
    });
    throw error;
  }
  if (outcome === 'full') {
    // Past the service's limit although the slots showed one free: a task started outside the
    // pipeline holds it. Count, so the slots show that task, and queue at the place it had.
    const active = await service.active(state);
    await reconcile(active.identifiers);
    await deps.slots.giveBack(identifier);
    return queued(state, active.count, 0, deps);
  }
  if ('wait' in outcome) {
    // Another export of the source runs. The export keeps its slot while it waits, so a release
    // cannot grant it one and wake it again at once; its wait times out with the queue's backoff
    // and it looks again.
    logger.info('Another export of the source runs; waiting for it to end', { reason: outcome.wait });
    return queued(state, undefined, 0, deps);
  }
  // Started before, by a duplicate or an earlier run of this execution: track that task.
  if ('existing' in outcome)
    return leaveQueue(tracking(outcome.existing, previousQueue, checkedAt, deps), state, deps);
  const summary = outcome.started;
  logger.info('Export task started', { status: summary.status, granted });
  return leaveQueue(
    withQueue(
      {
        outcome: 'started',
        task: summary,
        waitSeconds: FIRST_CHECK_WAIT_SECONDS,
        eventWaitSeconds: FIRST_EVENT_WAIT_SECONDS,
        checkedAt,
        endAnnounced: deps.endAnnounced,
      },
      previousQueue,
    ),
    state,
    deps,
  );
}

/** Once the export runs (or is tracked), its place in the queue goes. */
async function leaveQueue<R extends StartResult>(
  result: R,
  state: ExecutionState,
  deps: StartDeps,
): Promise<R> {
  const queue = state.start?.queue;
  if (queue !== undefined) await deps.slots.leave(queue.since, state.exportTaskIdentifier);
  return result;
}

function tracking(
  task: ExportTaskSummary,
  queue: QueueState | undefined,
  checkedAt: string,
  deps: Pick<StartDeps, 'endAnnounced'>,
): StartResult {
  logger.info('Export task already exists; tracking it', { status: task.status });
  const finished = FINISHED.has(task.status.toUpperCase());
  const waitSeconds = finished ? FINISHED_CHECK_WAIT_SECONDS : FIRST_CHECK_WAIT_SECONDS;
  const eventWaitSeconds = finished ? FINISHED_CHECK_WAIT_SECONDS : FIRST_EVENT_WAIT_SECONDS;
  const { endAnnounced } = deps;
  return withQueue(
    { outcome: 'tracking-existing', task, waitSeconds, eventWaitSeconds, checkedAt, endAnnounced },
    queue,
  );
}

function withQueue<R extends StartResult>(result: R, queue: QueueState | undefined): R {
  return queue === undefined ? result : { ...result, queue };
}

/**
 * An export that waits far back in the queue is woken by a release long before this; its own
 * timeout only guards against releases that never come, so it grows with the queue ahead of it
 * (a slot frees about once per export duration divided by the slots; an hour per round is long
 * enough not to poll and short enough to recover), up to a day.
 */
const SECONDS_PER_QUEUE_ROUND = 3600;
const MAX_QUEUE_TIMEOUT_SECONDS = 86_400;

function queued(
  state: ExecutionState,
  activeExports: number | undefined,
  ahead: number,
  deps: StartDeps,
): StartResult {
  const now = deps.now();
  const previous = state.start?.queue;
  const since = previous?.since ?? now.toISOString();
  const attempts = (previous?.attempts ?? 0) + 1;
  const waitedSeconds = secondsBetween(since, now) ?? 0;
  const alertDue = previous?.alerted !== true && waitedSeconds > state.limits.queueAlertAfterSeconds;
  if (alertDue) logger.warn('Export queued longer than allowed', { waitedSeconds, attempts });
  const limit = state.limits.maxConcurrentExports;
  const backoff = queueWait(attempts, deps.queueBaseWaitSeconds, deps.queueMaxWaitSeconds, deps.random);
  let waitSeconds =
    ahead >= limit
      ? Math.min(
          MAX_QUEUE_TIMEOUT_SECONDS,
          Math.max(backoff, Math.ceil(ahead / limit) * SECONDS_PER_QUEUE_ROUND),
        )
      : backoff;
  // The queued-too-long alert is decided at an attempt: one must come soon after it is due.
  const alerted = previous?.alerted === true || alertDue;
  if (!alerted) {
    const untilAlert = Math.ceil(state.limits.queueAlertAfterSeconds - waitedSeconds) + 1;
    waitSeconds = Math.max(1, Math.min(waitSeconds, untilAlert));
  }
  return {
    outcome: 'queued',
    waitSeconds,
    activeExports: activeExports ?? limit,
    queue: { since, attempts, alerted },
    alertDue,
  };
}
