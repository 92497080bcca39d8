import type { RDSClient } from '@aws-sdk/client-rds';
import { ConfigurationError } from '#shared/contract/errors.ts';
import { type DispatchDeps, dispatchExport, notifySkip, type Outcome } from '#shared/exports/dispatch.ts';
import { logger } from '#shared/runtime/logger.ts';
import type { SourceAccounts } from '#shared/sources/rds/clients.ts';
import { parseSnapshotEvent } from '#shared/sources/rds/snapshot-events.ts';
import { describeSnapshot } from '#shared/sources/rds/snapshots.ts';

export interface OnSnapshotDeps extends DispatchDeps {
  /** RDS of the deployment's own account and Region. */
  rds: Pick<RDSClient, 'send'>;
  /** A snapshot's account and Region, when the deployment serves others (else all are `rds`'s). */
  accounts?: SourceAccounts;
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

  // In the snapshot's own account and Region: a member's events reach the hub's bus.
  let rds: Pick<RDSClient, 'send'>;
  try {
    rds = deps.accounts?.rds(ref.arn) ?? deps.rds;
  } catch (error) {
    // A member account's snapshot, and the hub has no member role to reach it: operators must act.
    if (!(error instanceof ConfigurationError)) throw error;
    const skipped: Outcome = { action: 'skip', rule: null, reason: error.message, alert: true, ...base };
    return notifySkip(skipped, `snapshot ${ref.snapshotIdentifier}`, ref.snapshotIdentifier, deps);
  }
  const described = await describeSnapshot(rds, ref);
  if (!described.found) {
    const skipped: Outcome = { action: 'skip', rule: null, reason: described.reason, alert: true, ...base };
    return notifySkip(skipped, `snapshot ${ref.snapshotIdentifier}`, ref.snapshotIdentifier, deps);
  }
  const { source, tags } = described.snapshot;
  return dispatchExport(source, tags, base, deps);
}
