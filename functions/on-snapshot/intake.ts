import type { RDSClient } from '@aws-sdk/client-rds';
import { type DispatchDeps, dispatchExport, notifySkip, type Outcome } from '#shared/exports/dispatch.ts';
import { logger } from '#shared/runtime/logger.ts';
import { parseSnapshotEvent } from '#shared/sources/rds/snapshot-events.ts';
import { describeSnapshot } from '#shared/sources/rds/snapshots.ts';

export interface OnSnapshotDeps extends DispatchDeps {
  rds: Pick<RDSClient, 'send'>;
}

export type { Outcome };

/** Event → describe → policy → StartExecution. Logs exactly one `decision` per event. */
export async function handleSnapshotEvent(event: unknown, deps: OnSnapshotDeps): Promise<Outcome> {
  let outcome: Outcome;
  try {
    outcome = await evaluate(event, deps);
  } catch (error) {
    // Throttling and 5xx end here: the asynchronous invocation is retried by Lambda, so say so.
    logger.error('no decision yet: the invocation fails and Lambda retries it', { error });
    throw error;
  }
  logger.info('decision', { ...outcome });
  return outcome;
}

async function evaluate(event: unknown, deps: OnSnapshotDeps): Promise<Outcome> {
  const intake = parseSnapshotEvent(event);
  if (intake.action === 'skip') return { action: 'skip', rule: null, reason: intake.reason };
  const ref = intake.snapshot;
  logger.appendKeys({ snapshot: ref.arn });
  const base = { trigger: ref.trigger, snapshot: ref.arn };

  const described = await describeSnapshot(deps.rds, ref);
  if (!described.found) {
    const skipped: Outcome = { action: 'skip', rule: null, reason: described.reason, alert: true, ...base };
    return notifySkip(skipped, `snapshot ${ref.snapshotIdentifier}`, ref.snapshotIdentifier, deps);
  }
  const { source, tags } = described.snapshot;
  return dispatchExport(source, tags, base, deps);
}
