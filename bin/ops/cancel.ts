import { CancelExportTaskCommand } from '@aws-sdk/client-rds';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { classifyAwsError, isAwsError } from '#shared/aws-errors.ts';
import { executionArnOf } from '#shared/export-ledger.ts';
import { describeExportTask } from '#shared/export-tasks.ts';
import { isValidExportTaskIdentifier } from '#shared/identifiers.ts';
import { type Command, UsageError } from '../command.ts';
import { type Context, DEPLOYMENT_OPTIONS, DEPLOYMENT_USAGE, openDeployment } from './deployment.ts';

export interface CancelResult {
  exportTaskIdentifier: string;
  /** `canceling`: CancelExportTask accepted; `stopped`: no task yet, the queued execution was stopped. */
  action: 'canceling' | 'stopped' | 'already-canceling';
  message: string;
}

const ENDED = new Set(['COMPLETE', 'FAILED', 'CANCELED']);

/** The execution input's source kind, if the input is the machine's (an unreadable one is not a graph's). */
function sourceKindOf(input: string | undefined): unknown {
  try {
    return (JSON.parse(input ?? '{}') as { source?: { kind?: unknown } }).source?.kind;
  } catch {
    return undefined;
  }
}

/** A task that has ended cannot be canceled: the message says how it ended. */
function ended(id: string, status: string, at: string | undefined): UsageError {
  return new UsageError(
    `export task ${id} already ended ${status}${at === undefined ? '' : ` at ${at}`}: there is nothing to cancel`,
  );
}

async function cancelTask(ctx: Context, id: string): Promise<CancelResult> {
  try {
    const out = await ctx.clients.rds.send(new CancelExportTaskCommand({ ExportTaskIdentifier: id }));
    return {
      exportTaskIdentifier: id,
      action: 'canceling',
      message: `export task ${id} is ${out.Status ?? 'CANCELING'}; its execution ends CANCELED and notifies as it does for any canceled export`,
    };
  } catch (error) {
    // It ended between the look and the cancel (CancelExportTask: InvalidExportTaskStateFault).
    if (isAwsError(error, 'InvalidExportTaskStateFault')) {
      const task = await describeExportTask(ctx.clients.rds, id);
      if (task?.status === 'CANCELING') return alreadyCanceling(id);
      throw ended(id, task?.status ?? 'already', task?.taskEndTime);
    }
    throw classifyAwsError(error, 'rds', `CancelExportTask ${id}`);
  }
}

const alreadyCanceling = (id: string): CancelResult => ({
  exportTaskIdentifier: id,
  action: 'already-canceling',
  message: `export task ${id} is already CANCELING; it ends CANCELED shortly`,
});

/**
 * Cancels an export: its task with CancelExportTask, so the execution reports CANCELED as for any
 * canceled export. An export still waiting for a slot has no task yet: its execution is stopped.
 */
export async function cancelExport(ctx: Context, id: string): Promise<CancelResult> {
  const task = await describeExportTask(ctx.clients.rds, id);
  if (task !== undefined) {
    const status = task.status.toUpperCase();
    if (ENDED.has(status)) throw ended(id, status, task.taskEndTime);
    if (status === 'CANCELING') return alreadyCanceling(id);
    return cancelTask(ctx, id);
  }
  const executionArn = executionArnOf(ctx.deployment.stateMachineArn, id);
  let status: string | undefined;
  let input: string | undefined;
  try {
    const out = await ctx.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    status = out.status;
    input = out.input;
  } catch (error) {
    if (isAwsError(error, 'ExecutionDoesNotExist')) {
      throw new UsageError(
        `no export task and no execution named ${id} in deployment ${ctx.deployment.stage}`,
      );
    }
    throw classifyAwsError(error, 'sfn', `DescribeExecution ${id}`);
  }
  // A graph export's task is Neptune Analytics' (`t-…`), which DescribeExportTasks never shows:
  // stopping the execution would leave that task running, unwatched.
  if (sourceKindOf(input) === 'graph') {
    throw new UsageError(
      `export ${id} is a Neptune Analytics graph export: cancel its task with \`aws neptune-graph cancel-export-task --task-identifier t-…\` (\`aws neptune-graph list-export-tasks\` shows it); its execution then ends CANCELED`,
    );
  }
  if (status !== 'RUNNING') {
    throw new UsageError(
      `export ${id} already ended (execution ${status}) before its task started: nothing to cancel`,
    );
  }
  try {
    await ctx.clients.sfn.send(
      new StopExecutionCommand({
        executionArn,
        error: 'ExportCanceled',
        cause: 'Canceled with rds-export cancel before its export task started',
      }),
    );
  } catch (error) {
    throw classifyAwsError(error, 'sfn', `StopExecution ${id}`);
  }
  // The task may have started between the look and the stop: it must not run untracked.
  const late = await describeExportTask(ctx.clients.rds, id);
  if (late !== undefined && !ENDED.has(late.status.toUpperCase()) && late.status !== 'CANCELING') {
    await cancelTask(ctx, id);
  }
  return {
    exportTaskIdentifier: id,
    action: 'stopped',
    message: `export ${id} had no export task yet (it waited for a slot): its execution was stopped`,
  };
}

export const cancelCommand: Command = {
  summary: 'cancel an export (CancelExportTask; an export still queued is stopped before it starts)',
  usage: `rds-export cancel <export task identifier> [options]

${DEPLOYMENT_USAGE}`,
  options: { ...DEPLOYMENT_OPTIONS },
  positionals: { min: 1, max: 1, name: 'export task identifier' },
  async run(values, [id = '']) {
    if (!isValidExportTaskIdentifier(id)) throw new UsageError(`"${id}" is not an export task identifier`);
    const result = await cancelExport(await openDeployment(values), id);
    return values.json === true ? JSON.stringify(result) : result.message;
  },
};
