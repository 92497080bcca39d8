import type { SFNClient } from '@aws-sdk/client-sfn';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Home } from '../aws/accounts.ts';
import { isAwsError } from '../aws/errors.ts';
import { type ExportJob, type SnapshotSource, sourceLabel } from '../contract/execution.ts';
import type { Notification } from '../notify/notification.ts';
import { decide } from '../policy/decide.ts';
import type { Policy } from '../policy/schema.ts';
import { logger } from '../runtime/logger.ts';
import { type ExportLedger, LedgerConflict, type LedgerSeen } from './ledger.ts';

/**
 * The one path from a source to an export, whatever found the source (a snapshot event, a policy
 * schedule): the policy decides, the ledger records the export against the interval guard, and
 * Step Functions starts the export machine under the export task identifier. Skips are notified
 * when the policy opts in, and always when operators must act.
 */
export interface DispatchDeps {
  sfn: Pick<SFNClient, 'send'>;
  policy: Readonly<Policy>;
  stateMachineArn: string;
  /** The last export of each source (interval guard); absent = minIntervalHours is not checked. */
  ledger?: ExportLedger;
  /** Destination for rules that name none (env EXPORT_BUCKET, EXPORT_KMS_KEY_ARN, EXPORT_ROLE_ARN). */
  destination: { bucket?: string; kmsKey?: string; role?: string; graphRole?: string };
  /** The deployment's account and Region, and the member roles (shared/aws/accounts.ts); absent: one account. */
  home?: Home;
  /** Sends a `skipped` notification (publishNotification with the function's SNS / Slack deps). */
  notify: (n: Notification) => Promise<unknown>;
  now?: () => Date;
}

/** The one decision logged for every event, and for every source a schedule selects. */
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

/**
 * Decides for one source and starts its export, or says why not. `attempt` > 1 is a deliberate
 * re-export (`rds-export retry`): the export task identifier gets its `-r<attempt>` suffix.
 */
export async function dispatchExport(
  source: SnapshotSource,
  tags: Readonly<Record<string, string>>,
  base: Pick<Outcome, 'trigger' | 'snapshot'>,
  deps: DispatchDeps,
  attempt?: number,
): Promise<Outcome> {
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
      ...(deps.home === undefined ? {} : { home: deps.home }),
      now,
      ...(attempt === undefined ? {} : { attempt }),
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
        sourceLabel(source),
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
  deps: DispatchDeps,
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
    if (isAwsError(error, 'ExecutionAlreadyExists')) {
      return {
        action: 'duplicate',
        rule,
        reason: `duplicate, already handled: execution ${id} exists`,
        ...base,
        exportTaskIdentifier: id,
      };
    }
    throw error;
  }
}

/** Skips by policy are announced when the policy opts in (`notifySkipped`); alerts always are. */
export async function notifySkip(
  outcome: Outcome,
  label: string,
  source: string,
  deps: Pick<DispatchDeps, 'policy' | 'notify'>,
): Promise<Outcome> {
  if (!outcome.alert && !deps.policy.defaults.notifySkipped) return outcome;
  const notification: Notification = {
    kind: 'skipped',
    severity: outcome.alert ? 'warning' : 'info',
    title: `Export of ${label} skipped`,
    source,
    ...(outcome.snapshot === undefined ? {} : { snapshotArn: outcome.snapshot }),
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
