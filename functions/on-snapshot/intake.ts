import type { RDSClient } from '@aws-sdk/client-rds';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { classifyAwsError } from '#shared/aws-errors.ts';
import { parseSnapshotEvent } from '#shared/events.ts';
import { type ExportLedger, LedgerConflict, type LedgerSeen } from '#shared/export-ledger.ts';
import { logger } from '#shared/logger.ts';
import type { ExportJob } from '#shared/machine-contract.ts';
import type { Notification } from '#shared/notification.ts';
import { decide } from '#shared/policy/decide.ts';
import type { Policy } from '#shared/policy/schema.ts';
import { describeSnapshot } from '#shared/snapshots.ts';

export interface OnSnapshotDeps {
  rds: Pick<RDSClient, 'send'>;
  sfn: Pick<SFNClient, 'send'>;
  policy: Readonly<Policy>;
  stateMachineArn: string;
  /** The last export of each source (interval guard); absent = minIntervalHours is not checked. */
  ledger?: ExportLedger;
  /** Destination for rules that name none (env EXPORT_BUCKET, EXPORT_KMS_KEY_ARN, EXPORT_ROLE_ARN). */
  destination: { bucket?: string; kmsKey?: string; role?: string };
  /** Sends a `skipped` notification (publishNotification with the function's SNS / Slack deps). */
  notify: (n: Notification) => Promise<unknown>;
  now?: () => Date;
}

/** The one decision logged for every event. */
export interface Outcome {
  action: 'export' | 'skip' | 'duplicate';
  rule: string | null;
  reason: string;
  trigger?: string;
  snapshot?: string;
  source?: string;
  exportTaskIdentifier?: string;
  executionArn?: string;
  alert?: boolean;
  notified?: boolean;
}

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
    return notifySkip(skipped, ref.snapshotIdentifier, deps);
  }
  const { source, tags } = described.snapshot;
  const now = deps.now?.() ?? new Date();
  const withSource = { ...base, source: source.sourceIdentifier };
  // Two snapshots of one source deciding at once: the ledger takes only the first record, and the
  // other decides again on what that one recorded.
  for (let round = 1; ; round++) {
    let seen: LedgerSeen | undefined;
    const ledger = deps.ledger;
    const decision = await decide(deps.policy, source, {
      tags,
      destination: deps.destination,
      now,
      ...(ledger === undefined
        ? {}
        : {
            recentExport: async (s) => {
              const last = await ledger.last(s);
              seen = last.seen;
              return last.recent;
            },
          }),
    });
    if (decision.action === 'skip') {
      const { action, rule, reason, alert, duplicate } = decision;
      if (duplicate) return { action: 'duplicate', rule, reason, ...withSource };
      return notifySkip(
        { action, rule, reason, ...withSource, ...(alert ? { alert } : {}) },
        source.sourceIdentifier,
        deps,
      );
    }
    try {
      await ledger?.record(decision.job, now, seen);
    } catch (error) {
      if (error instanceof LedgerConflict && round < 2) continue;
      throw error;
    }
    return start(decision.job, decision.rule, decision.reason, withSource, deps);
  }
}

async function start(
  job: ExportJob,
  rule: string,
  reason: string,
  base: Pick<Outcome, 'trigger' | 'snapshot' | 'source'>,
  deps: OnSnapshotDeps,
): Promise<Outcome> {
  const id = job.exportTaskIdentifier;
  logger.appendKeys({ exportTaskIdentifier: id });
  try {
    // Same name and same input while running is idempotent in Step Functions; anything else is
    // ExecutionAlreadyExists. The job is built only from the snapshot, so duplicates match.
    const out = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name: id,
        input: JSON.stringify(job),
      }),
    );
    logger.appendKeys({ execution: out.executionArn });
    return {
      action: 'export',
      rule,
      reason,
      ...base,
      exportTaskIdentifier: id,
      executionArn: out.executionArn,
    };
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionAlreadyExists') {
      return {
        action: 'duplicate',
        rule,
        reason: `duplicate, already handled: execution ${id} exists`,
        ...base,
        exportTaskIdentifier: id,
      };
    }
    throw classifyAwsError(error, 'sfn', `StartExecution ${id}`);
  }
}

/** Skips by policy are announced when the policy opts in (`notifySkipped`); alerts always are. */
async function notifySkip(outcome: Outcome, source: string, deps: OnSnapshotDeps): Promise<Outcome> {
  if (!outcome.alert && !deps.policy.defaults.notifySkipped) return outcome;
  const snapshotId = outcome.snapshot?.split(/:(?:cluster-)?snapshot:/)[1] ?? outcome.snapshot ?? source;
  const notification: Notification = {
    kind: 'skipped',
    severity: outcome.alert ? 'warning' : 'info',
    title: `Export of snapshot ${snapshotId} skipped`,
    source,
    snapshotArn: outcome.snapshot,
    cause: outcome.reason,
    ...(outcome.alert ? { fix: fixFor(outcome) } : {}),
    details: { rule: outcome.rule ?? '(none)', ...(outcome.trigger ? { trigger: outcome.trigger } : {}) },
  };
  try {
    await deps.notify(notification);
    return { ...outcome, notified: true };
  } catch (error) {
    // The decision stands and is logged; a lost notification must not replay the whole event.
    logger.error('skipped notification could not be sent', { error });
    return { ...outcome, notified: false };
  }
}

function fixFor(outcome: Outcome): string {
  if (outcome.rule === null) {
    return 'Check that the snapshot still exists (aws rds describe-db-snapshots / describe-db-cluster-snapshots); if it was deleted on purpose, nothing to do.';
  }
  return `Correct rule "${outcome.rule}" (or its defaults) in the policy file, redeploy, then re-export the snapshot.`;
}
