import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExportTaskSummary } from '#shared/contract/execution.ts';
import { executionArnOf } from '#shared/exports/address.ts';
import { isValidExportTaskIdentifier } from '#shared/sources/identifiers.ts';
import { GRAPH_TASK_ID } from '#shared/sources/kinds/graph/ops.ts';
import { opsOf } from '#shared/sources/kinds/registry/ops.ts';
import type { KindOps, KnownJob, MachineStatus, OpsContext } from '#shared/sources/kinds/types.ts';
import { type Command, UsageError } from '../command.ts';
import { type Context, DEPLOYMENT_OPTIONS, DEPLOYMENT_USAGE, openDeployment } from './deployment.ts';
import { describeExport, parseJson, SeenJob } from './executions.ts';
import { MEMBER_ROLE_OPTION, MEMBER_ROLE_USAGE, opsAt } from './member-operator.ts';

export interface CancelResult {
  exportTaskIdentifier: string;
  /** `canceling`: CancelExportTask accepted; `stopped`: no task yet, the queued execution was stopped. */
  action: 'canceling' | 'stopped' | 'already-canceling';
  message: string;
}

/** The export as the commands name it: by its task, and the export's name when the task has another. */
const named = (id: string, task: ExportTaskSummary) =>
  task.exportTaskIdentifier === id
    ? `export task ${id}`
    : `task ${task.exportTaskIdentifier} of export ${id}`;

/** A task that has ended cannot be canceled: the message says how it ended. */
function ended(id: string, task: ExportTaskSummary): UsageError {
  const at = task.taskEndTime === undefined ? '' : ` at ${task.taskEndTime}`;
  return new UsageError(`${named(id, task)} already ended ${task.status}${at}: there is nothing to cancel`);
}

const alreadyCanceling = (id: string, task: ExportTaskSummary): CancelResult => ({
  exportTaskIdentifier: id,
  action: 'already-canceling',
  message: `${named(id, task)} is already ${task.status}; its execution ends CANCELED shortly`,
});

/** The machine statuses of a task that ended. */
const ENDED_MACHINE_STATUSES: ReadonlySet<MachineStatus> = new Set(['COMPLETE', 'FAILED', 'CANCELED']);

interface Export {
  id: string;
  kind: KindOps;
  job: KnownJob | undefined;
}

async function cancelTask(ctx: OpsContext, { id, kind, job }: Export, task: ExportTaskSummary) {
  const status = kind.machineStatus(task.status);
  if (ENDED_MACHINE_STATUSES.has(status)) throw ended(id, task);
  if (status === 'CANCELING') return alreadyCanceling(id, task);
  const sent = await kind.cancel(ctx, task);
  if (sent === 'not-running') {
    // It ended between the look and the cancel: say how, as if it had ended before.
    const now = await kind.task(ctx, id, job, task);
    if (now === undefined)
      throw new UsageError(`${named(id, task)} no longer exists: there is nothing to cancel`);
    if (kind.machineStatus(now.status) === 'CANCELING') return alreadyCanceling(id, now);
    throw ended(id, now);
  }
  return {
    exportTaskIdentifier: id,
    action: 'canceling' as const,
    message: `${named(id, task)} is ${sent.status}; its execution ends CANCELED and notifies as it does for any canceled export`,
  };
}

/**
 * Cancels an export: its task with its service's CancelExportTask (RDS, or Neptune Analytics for a
 * graph), so the execution sees it CANCELED and reports it as any canceled export. An export still
 * waiting for a slot has no task yet: its execution is stopped. A member account's task is found
 * and canceled in that account and the source's Region, through its operator role (opsAt).
 */
export async function cancelExport(ctx: Context, id: string): Promise<CancelResult> {
  // An RDS task may outlive its execution (Step Functions keeps it 90 days), or not be the pipeline's.
  const execution = await describeExport(ctx, id);
  const read = SeenJob.safeParse(parseJson(execution?.input));
  const job = read.success ? read.data : undefined;
  const at = opsAt(ctx, job?.source.arn);
  const target: Export = { id, kind: opsOf(job?.source.kind), job };
  const task = await target.kind.task(at, id, job);
  if (task !== undefined) return cancelTask(at, target, task);
  if (execution === undefined) {
    throw new UsageError(
      `no export task and no execution named ${id} in deployment ${ctx.deployment.stage}${GRAPH_TASK_ID.test(id) ? ': name the export (its execution), not its Neptune Analytics task' : ''}`,
    );
  }
  if (execution.status !== 'RUNNING') {
    throw new UsageError(
      `export ${id} already ended (execution ${execution.status}) before its task started: nothing to cancel`,
    );
  }
  await ctx.clients.sfn.send(
    new StopExecutionCommand({
      executionArn: executionArnOf(ctx.deployment.stateMachineArn, id),
      error: 'ExportCanceled',
      cause: 'Canceled with rds-export cancel before its export task started',
    }),
  );
  // The task may have started between the look and the stop: it must not run untracked.
  const late = await target.kind.task(at, id, job);
  if (late !== undefined && !ENDED_MACHINE_STATUSES.has(target.kind.machineStatus(late.status))) {
    await cancelTask(at, target, late);
  }
  return {
    exportTaskIdentifier: id,
    action: 'stopped',
    message: `export ${id} had no export task yet (it waited for a slot): its execution was stopped`,
  };
}

export const cancelCommand: Command = {
  summary:
    "cancel an export (its task's CancelExportTask, RDS or Neptune Analytics; an export still queued is stopped before it starts)",
  usage: `rds-export cancel <export task identifier> [--member-role-name <name>] [options]

  <export task identifier>  the export's name (its execution's); a graph export's Neptune Analytics
                            task (t-…) is found from it
${MEMBER_ROLE_USAGE}
${DEPLOYMENT_USAGE}`,
  options: { ...DEPLOYMENT_OPTIONS, ...MEMBER_ROLE_OPTION },
  positionals: { min: 1, max: 1, name: 'export task identifier' },
  async run(values, [id = '']) {
    if (!isValidExportTaskIdentifier(id)) throw new UsageError(`"${id}" is not an export task identifier`);
    const result = await cancelExport(await openDeployment(values), id);
    return values.json === true ? JSON.stringify(result) : result.message;
  },
};
