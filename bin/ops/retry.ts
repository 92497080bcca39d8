import { ExportJob, type SnapshotSource } from '#shared/contract/execution.ts';
import { type Outcome as DispatchOutcome, dispatchExport } from '#shared/exports/dispatch.ts';
import {
  exportIdentity,
  exportTaskIdentifier,
  isValidExportTaskIdentifier,
} from '#shared/sources/identifiers.ts';
import { opsOf } from '#shared/sources/kinds/registry/ops.ts';
import { type Command, UsageError } from '../command.ts';
import { type Context, DEPLOYMENT_OPTIONS, DEPLOYMENT_USAGE, openDeployment } from './deployment.ts';
import { dispatchDeps, POLICY_OPTION, POLICY_USAGE } from './dispatching.ts';
import { describeExport } from './executions.ts';
import { MEMBER_ROLE_OPTION, MEMBER_ROLE_USAGE, opsAt } from './member-operator.ts';
import { outcomeOf } from './outcomes.ts';

/** Attempts tried past the given one before giving up: each taken one was a retry of its own. */
const MAX_PROBES = 50;

export interface RetryResult {
  /** The export retried. */
  exportTaskIdentifier: string;
  previousOutcome: string;
  attempt: number;
  outcome: DispatchOutcome;
}

/** `orders-db-0123456789-r3` → 3; an identifier without the suffix is attempt 1. */
export function attemptOf(id: string): number {
  const match = /-[0-9a-f]{10}-r(\d+)$/.exec(id);
  return match === null ? 1 : Number(match[1]);
}

async function describeJob(ctx: Context, id: string) {
  const execution = await describeExport(ctx, id);
  if (execution !== undefined) return execution;
  throw new UsageError(
    `no execution ${id} in deployment ${ctx.deployment.stage} (Step Functions keeps executions 90 days after they end)`,
  );
}

/**
 * The first attempt after `from` whose identifier is neither an execution nor held by a task of the
 * export's service (RDS keeps an identifier for good, longer than Step Functions keeps the
 * execution; a graph's task holds the destination named after it).
 */
async function nextAttempt(
  ctx: Context,
  source: SnapshotSource,
  from: number,
  taken: (id: string) => Promise<boolean>,
): Promise<number> {
  const identity = exportIdentity(source);
  for (let attempt = from + 1; attempt <= from + MAX_PROBES; attempt++) {
    const id = exportTaskIdentifier(identity, attempt);
    const [execution, task] = await Promise.all([
      describeExport(ctx, id).then((e) => e !== undefined),
      taken(id),
    ]);
    if (!execution && !task) return attempt;
  }
  throw new UsageError(`attempts ${from + 1} to ${from + MAX_PROBES} of this export are all taken`);
}

/**
 * Re-exports a FAILED, CANCELED, stopped or timed-out export (a snapshot, a cluster's or a graph's
 * slot) under its next `-r<n>` identifier, through the path events take. A running or completed one only with `force`. The interval guard
 * does not apply: a retry is deliberate.
 */
export async function retryExport(
  ctx: Context,
  id: string,
  options: { force: boolean; values: Parameters<typeof dispatchDeps>[1] },
): Promise<RetryResult> {
  const execution = await describeJob(ctx, id);
  const previous = outcomeOf({
    exportTaskIdentifier: id,
    executionArn: execution.executionArn ?? '',
    executionStatus: execution.status ?? 'UNKNOWN',
    ...(execution.error === undefined ? {} : { ending: { type: 'ExecutionFailed', error: execution.error } }),
  });
  if ((previous === 'RUNNING' || previous === 'COMPLETE') && !options.force) {
    throw new UsageError(
      previous === 'RUNNING'
        ? `export ${id} is still running: cancel it first, or give --force to start another attempt anyway (the source is exported one task at a time)`
        : `export ${id} completed: give --force to export the same data again (charged again)`,
    );
  }
  const job = ExportJob.safeParse(JSON.parse(execution.input ?? '{}'));
  if (!job.success) throw new UsageError(`execution ${id} has no export job as its input`);
  // A member's source is described, and its identifiers looked for, in its account and Region.
  const at = opsAt(ctx, job.data.source.arn);
  const kind = opsOf(job.data.source.kind);
  const described = await kind.current(at, job.data);
  if ('gone' in described) throw new UsageError(described.gone);
  const attempt = await nextAttempt(ctx, described.source, attemptOf(id), await kind.taken(at, job.data));
  const deps = dispatchDeps(ctx, options.values);
  const outcome = await dispatchExport(
    described.source,
    described.tags,
    {
      trigger: 'rds-export retry',
      ...(described.snapshot === undefined ? {} : { snapshot: described.snapshot }),
    },
    { ...deps, destination: { ...deps.destination, ...described.destination } },
    attempt,
  );
  if (outcome.action === 'skip') throw new UsageError(`not retried: ${outcome.reason}`);
  return { exportTaskIdentifier: id, previousOutcome: previous, attempt, outcome };
}

export const retryCommand: Command = {
  summary: 're-export a FAILED or CANCELED export under its next -r<n> identifier, through the state machine',
  usage: `rds-export retry <export task identifier> [--force] [--policy <file>] [--member-role-name <name>] [options]

  --force              also retry a running or completed export
${POLICY_USAGE}
${MEMBER_ROLE_USAGE}
${DEPLOYMENT_USAGE}`,
  options: { ...DEPLOYMENT_OPTIONS, ...POLICY_OPTION, ...MEMBER_ROLE_OPTION, force: { type: 'boolean' } },
  positionals: { min: 1, max: 1, name: 'export task identifier' },
  async run(values, [id = '']) {
    if (!isValidExportTaskIdentifier(id)) throw new UsageError(`"${id}" is not an export task identifier`);
    const ctx = await openDeployment(values);
    const result = await retryExport(ctx, id, { force: values.force === true, values });
    if (values.json === true) return JSON.stringify(result);
    const { outcome } = result;
    return outcome.action === 'export'
      ? `retrying ${id} (${result.previousOutcome}) as ${outcome.exportTaskIdentifier}, attempt ${result.attempt}: execution ${outcome.executionArn}`
      : `${outcome.exportTaskIdentifier ?? id}: ${outcome.reason}`;
  },
};
