import { mapLimit } from '#shared/aws/concurrency.ts';
import { type ExportTaskSummary, MAX_CONCURRENT_RDS_EXPORTS } from '#shared/contract/execution.ts';
import { globMatch } from '#shared/policy/glob.ts';
import { secondsBetween } from '#shared/runtime/time.ts';
import { opsOf } from '#shared/sources/kinds/registry/ops.ts';
import type { MachineStatus } from '#shared/sources/kinds/types.ts';
import { countActiveExportTasks, isActiveExportStatus } from '#shared/sources/rds/export-tasks.ts';
import { type Command, optionOrEnv } from '../command.ts';
import { type AccountSlots, readAccountSlots } from './account-slots.ts';
import { type Context, DEPLOYMENT_OPTIONS, DEPLOYMENT_USAGE, openDeployment } from './deployment.ts';
import { type ExportRun, latestState, listExecutions, taskOf, toExportRun } from './executions.ts';
import { when } from './format.ts';
import { type GraphSlots, graphSlots, readGraphLeases } from './graph-slots.ts';
import { causeOf, outcomeOf } from './outcomes.ts';
import { renderStatus } from './status-render.ts';

/** Calls in flight at once when every execution's history is read. */
export const READ_CONCURRENCY = 8;
const DAY_MS = 86_400_000;
/** An execution that failed today may have started up to the machine's 7-day timeout before. */
const MACHINE_TIMEOUT_MS = 7 * DAY_MS;

/** What a running export is doing: the state's phase, refined by the export task's own status. */
export type Activity =
  | 'queued'
  | 'starting'
  | 'in progress'
  | 'canceling'
  | 'registering'
  | 'notifying'
  | 'ending'
  | 'unknown';

export interface RunningExport {
  exportTaskIdentifier: string;
  source?: string;
  sourceKind?: string;
  activity: Activity;
  /** The state the execution is in, as the state machine names it. */
  state?: string;
  /** Since when it does what `activity` says (queued since, task started, state entered). */
  since?: string;
  seconds?: number;
  taskStatus?: string;
  percentProgress?: number;
  estimatedFinish?: string;
}

export interface Failure {
  exportTaskIdentifier: string;
  source?: string;
  outcome: string;
  endedAt?: string;
  error?: string;
  cause?: string;
}

export interface Alert {
  kind: string;
  exportTaskIdentifier: string;
  message: string;
}

export interface StatusReport {
  stage: string;
  region: string;
  at: string;
  slots: { used: number; limit: number; tasks: (ExportTaskSummary & { pipeline: boolean })[] };
  graphSlots: GraphSlots;
  /** Member accounts' (and other Regions') RDS slots, five each, from the deployment's leases. */
  accountSlots: AccountSlots[];
  running: RunningExport[];
  failures: Failure[];
  alerts: Alert[];
}

function activityOf(run: ExportRun, status: MachineStatus | undefined, hasTask: boolean): Activity {
  if (run.phase === undefined) return 'unknown';
  // A queued export looks for a slot again in the start states: it is queued until a task exists.
  if (run.phase === 'starting' && !hasTask && run.start?.queue !== undefined) return 'queued';
  if (run.phase !== 'exporting') return run.phase;
  if (status === 'IN_PROGRESS') return 'in progress';
  if (status === 'CANCELING') return 'canceling';
  if (status === 'COMPLETE' || status === 'FAILED' || status === 'CANCELED') return 'ending';
  return 'starting';
}

/**
 * When an in-progress task will finish (`status` is the machine's, so RDS's PercentProgress and a
 * graph's progressPercentage alike): from the rate the percent grew at since the pipeline first saw
 * it in progress, else from the task's start (which also counts STARTING: later, so safe).
 */
export function estimateFinish(
  run: ExportRun,
  task: ExportTaskSummary | undefined,
  status: MachineStatus | undefined,
  now: Date,
): string | undefined {
  const percent = task?.percentProgress;
  if (status !== 'IN_PROGRESS' || percent === undefined || percent <= 0 || percent >= 100) return undefined;
  const since = run.check?.inProgressSince;
  const from = run.check?.inProgressSincePercent;
  // At least a second, so a percent first seen just now does not divide by zero.
  const elapsed = (start: string) => Math.max(1, secondsBetween(start, now) ?? Number.NaN);
  let perSecond: number | undefined;
  if (since !== undefined && from !== undefined && percent > from) {
    perSecond = (percent - from) / elapsed(since);
  } else if (task?.taskStartTime !== undefined) {
    perSecond = percent / elapsed(task.taskStartTime);
  }
  if (perSecond === undefined || !(perSecond > 0)) return undefined;
  return new Date(now.getTime() + ((100 - percent) / perSecond) * 1000).toISOString();
}

/**
 * The export's task now: the account's listing holds every active RDS task; a task the execution
 * last saw active that the listing does not hold (a graph's, or one that just ended) is asked for.
 */
async function liveTask(
  ctx: Context,
  run: ExportRun,
  listed: ExportTaskSummary | undefined,
): Promise<ExportTaskSummary | undefined> {
  const recorded = taskOf(run);
  if (listed !== undefined || recorded === undefined || run.job === undefined) return listed ?? recorded;
  const kind = opsOf(run.job.source.kind);
  // The machine's statuses are RDS's names: an active one holds a slot, as an active RDS task does.
  if (!isActiveExportStatus(kind.machineStatus(recorded.status))) return recorded;
  return (await kind.task(ctx, run.exportTaskIdentifier, run.job, recorded)) ?? recorded;
}

function running(run: ExportRun, task: ExportTaskSummary | undefined, now: Date): RunningExport {
  const status = task === undefined ? undefined : opsOf(run.job?.source.kind).machineStatus(task.status);
  const activity = activityOf(run, status, task !== undefined);
  const since =
    activity === 'queued'
      ? run.start?.queue?.since
      : activity === 'starting' || activity === 'in progress' || activity === 'canceling'
        ? (task?.taskStartTime ?? run.startDate?.toISOString())
        : run.startDate?.toISOString();
  const finish = estimateFinish(run, task, status, now);
  const out: RunningExport = { exportTaskIdentifier: run.exportTaskIdentifier, activity };
  if (run.job !== undefined)
    Object.assign(out, { source: run.job.source.sourceIdentifier, sourceKind: run.job.source.kind });
  if (run.state !== undefined) out.state = run.state;
  if (since !== undefined) Object.assign(out, { since, seconds: secondsBetween(since, now) });
  if (task !== undefined) out.taskStatus = task.status;
  if (task?.percentProgress !== undefined) out.percentProgress = task.percentProgress;
  if (finish !== undefined) out.estimatedFinish = finish;
  return out;
}

/** The alert an ended execution raised (its notification kind), from the error it ended with. */
function alertKind(run: ExportRun): string {
  const error = run.ending?.error;
  if (error === 'ExportFailed') return 'failed';
  if (error === 'ExportCanceled') return 'canceled';
  if (error === 'UnknownExportStatus') return 'unknown-status';
  if (error === 'TablesNotRegistered') return 'completed (tables not registered)';
  if (run.executionStatus === 'TIMED_OUT') return 'timed out (alarm)';
  if (run.executionStatus === 'ABORTED') return 'stopped (alarm)';
  return run.check === undefined ? 'start-failed' : 'check-failed';
}

/** Which member accounts' (and other Regions') slots status shows: globs on their account and Region. */
export interface SlotsFilter {
  account?: string;
  region?: string;
}

/** Running exports, the account's slots, and what failed or alerted in the last 24 hours. */
export async function readStatus(ctx: Context, filter: SlotsFilter = {}): Promise<StatusReport> {
  const { sfn, rds } = ctx.clients;
  const arn = ctx.deployment.stateMachineArn;
  const now = ctx.now();
  const dayAgo = new Date(now.getTime() - DAY_MS);
  const startedAfter = new Date(dayAgo.getTime() - MACHINE_TIMEOUT_MS);
  const [executions, active, leases, accountSlots, ...ended] = await Promise.all([
    listExecutions(sfn, arn, { status: 'RUNNING' }),
    countActiveExportTasks(rds),
    readGraphLeases(ctx),
    readAccountSlots(ctx),
    ...(['FAILED', 'TIMED_OUT', 'ABORTED'] as const).map((status) =>
      listExecutions(sfn, arn, { status, startedAfter }),
    ),
  ]);
  const recent = ended.flat().filter((e) => (e.stopDate?.getTime() ?? now.getTime()) >= dayAgo.getTime());
  const read = (items: typeof executions) =>
    mapLimit(items, READ_CONCURRENCY, async (item) =>
      toExportRun(item, await latestState(sfn, item.executionArn ?? '')),
    );
  const [runs, failedRuns] = await Promise.all([read(executions), read(recent)]);
  const tasks = new Map(active.tasks.map((t) => [t.exportTaskIdentifier, t]));
  const live = await mapLimit(runs, READ_CONCURRENCY, (run) =>
    liveTask(ctx, run, tasks.get(run.exportTaskIdentifier)),
  );
  const mine = new Set(runs.map((r) => r.exportTaskIdentifier));
  const alerts: Alert[] = [];
  for (const run of runs) {
    const queue = run.start?.queue;
    if (queue?.alerted) {
      alerts.push({
        kind: 'queued-too-long',
        exportTaskIdentifier: run.exportTaskIdentifier,
        message: `waiting for an export slot since ${when(queue.since)}`,
      });
    }
  }
  const failures = failedRuns
    .sort((a, b) => (b.stopDate?.getTime() ?? 0) - (a.stopDate?.getTime() ?? 0))
    .map((run): Failure => {
      const cause = causeOf(run);
      alerts.push({
        kind: alertKind(run),
        exportTaskIdentifier: run.exportTaskIdentifier,
        message: cause ?? '',
      });
      return {
        exportTaskIdentifier: run.exportTaskIdentifier,
        ...(run.job === undefined ? {} : { source: run.job.source.sourceIdentifier }),
        outcome: outcomeOf(run),
        ...(run.stopDate === undefined ? {} : { endedAt: run.stopDate.toISOString() }),
        ...(run.ending?.error === undefined ? {} : { error: run.ending.error }),
        ...(cause === undefined ? {} : { cause }),
      };
    });
  return {
    stage: ctx.deployment.stage,
    region: ctx.deployment.region,
    at: now.toISOString(),
    slots: {
      used: active.count,
      limit: MAX_CONCURRENT_RDS_EXPORTS,
      tasks: active.tasks.map((t) => ({ ...t, pipeline: mine.has(t.exportTaskIdentifier) })),
    },
    graphSlots: graphSlots(leases, runs),
    accountSlots: accountSlots.filter(
      (pool) =>
        (filter.account === undefined || globMatch(filter.account, pool.account)) &&
        (filter.region === undefined || globMatch(filter.region, pool.region)),
    ),
    running: runs
      .map((run, i) => running(run, live[i], now))
      .sort((a, b) => (a.since ?? '').localeCompare(b.since ?? '')),
    failures,
    alerts,
  };
}

export const statusCommand: Command = {
  summary:
    'running exports (queued, starting, in progress, registering), RDS and graph export slots, failures and alerts of the last day',
  usage: `rds-export status [--account <glob>] [--source-region <glob>] [--stage <stage>] [--region <region>] [--profile <profile>] [--json]

  --account            glob on the account ID: which member accounts' export slots to show
  --source-region      glob on the Region: which of their Regions' slots to show (--region is the deployment's)
${DEPLOYMENT_USAGE}`,
  options: { ...DEPLOYMENT_OPTIONS, account: { type: 'string' }, 'source-region': { type: 'string' } },
  async run(values) {
    const account = optionOrEnv(values, 'account');
    const region = optionOrEnv(values, 'source-region');
    const report = await readStatus(await openDeployment(values), {
      ...(account === undefined ? {} : { account }),
      ...(region === undefined ? {} : { region }),
    });
    return values.json === true ? JSON.stringify(report) : renderStatus(report);
  },
};
