import { safeScope } from '#shared/aws/accounts.ts';
import { mapLimit } from '#shared/aws/concurrency.ts';
import { globMatch } from '#shared/policy/glob.ts';
import { secondsBetween } from '#shared/runtime/time.ts';
import { type Command, optionOrEnv, UsageError } from '../command.ts';
import { type Context, DEPLOYMENT_OPTIONS, DEPLOYMENT_USAGE, openDeployment } from './deployment.ts';
import { type ExportRun, latestState, listExecutions, taskOf, toExportRun } from './executions.ts';
import { clip, colourOn, duration, gb, painter, table, when } from './format.ts';
import { causeOf, OUTCOMES, type Outcome, outcomeOf } from './outcomes.ts';
import { READ_CONCURRENCY } from './status.ts';

export interface ListedExport {
  exportTaskIdentifier: string;
  outcome: Outcome;
  source?: string;
  sourceKind?: string;
  /** The account and Region of the source's ARN: a member account's, or the deployment's own. */
  account?: string;
  region?: string;
  snapshot?: string;
  snapshotTime?: string;
  /** The snapshot's allocated storage, which the export is charged on. */
  sizeGB?: number;
  /** TotalExtractedDataInGB of the task. */
  exportedGB?: number;
  /** What a graph export wrote (GetExportTask numVerticesWritten, numEdgesWritten). */
  verticesWritten?: number;
  edgesWritten?: number;
  startedAt?: string;
  endedAt?: string;
  durationSeconds?: number;
  destination?: string;
  tables?: { registered: number; skipped: number; failed: number };
  cause?: string;
}

export interface ListOptions {
  since: Date;
  source?: string;
  /** Glob on the source's account ID. */
  account?: string;
  /** Glob on the source's Region (`--source-region`: `--region` is the deployment's). */
  region?: string;
  status?: Outcome;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `7d`, `24h`, `90m`, `2w`, or an ISO 8601 date or time: the start of the window. */
export function parseSince(text: string, now: Date): Date {
  const relative = /^(\d+)([mhdw])$/.exec(text.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * (UNITS[relative[2] ?? 'd'] ?? 0));
  const at = new Date(text);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    throw new UsageError(`--since "${text}": give a duration (7d, 24h, 90m) or an ISO 8601 date`);
  }
  return at;
}

function destinationOf(run: ExportRun): string | undefined {
  const task = taskOf(run);
  const request = run.job?.request;
  // A graph export names its destination URI itself; RDS writes under <prefix>/<identifier>/.
  if (request?.destination !== undefined) return request.destination;
  const bucket = task?.s3Bucket ?? request?.S3BucketName;
  if (bucket === undefined) return undefined;
  const prefix = task?.s3Prefix ?? request?.S3Prefix ?? '';
  return `s3://${bucket}/${prefix === '' ? '' : `${prefix.replace(/\/+$/, '')}/`}${run.exportTaskIdentifier}/`;
}

export function toListed(run: ExportRun): ListedExport {
  const task = taskOf(run);
  const source = run.job?.source;
  const started = task?.taskStartTime ?? run.startDate?.toISOString();
  const ended = task?.taskEndTime ?? run.stopDate?.toISOString();
  const registration = run.registration;
  const cause = causeOf(run);
  const destination = destinationOf(run);
  const snapshotTime = task?.snapshotTime ?? source?.snapshotCreateTime ?? source?.scheduledTime;
  const out: ListedExport = { exportTaskIdentifier: run.exportTaskIdentifier, outcome: outcomeOf(run) };
  if (source !== undefined) {
    out.source = source.sourceIdentifier;
    out.sourceKind = source.kind;
    // An execution's input is read leniently (./executions.ts): a source without a usable ARN has none.
    const scope = source.arn === undefined ? undefined : safeScope(source.arn);
    if (scope !== undefined) {
      out.account = scope.account;
      out.region = scope.region;
    }
    if (source.snapshotIdentifier !== undefined) out.snapshot = source.snapshotIdentifier;
    if (source.sizeGB !== undefined) out.sizeGB = source.sizeGB;
  }
  if (snapshotTime !== undefined) out.snapshotTime = snapshotTime;
  if (task?.totalExtractedDataInGB !== undefined) out.exportedGB = task.totalExtractedDataInGB;
  if (task?.verticesWritten !== undefined) out.verticesWritten = task.verticesWritten;
  if (task?.edgesWritten !== undefined) out.edgesWritten = task.edgesWritten;
  if (started !== undefined) out.startedAt = started;
  if (ended !== undefined && run.executionStatus !== 'RUNNING') {
    out.endedAt = ended;
    const seconds = secondsBetween(started, ended);
    if (seconds !== undefined) out.durationSeconds = seconds;
  }
  if (destination !== undefined) out.destination = destination;
  if (registration !== undefined) {
    out.tables = {
      registered: registration.registeredCount,
      skipped: registration.skippedCount,
      failed: registration.failedCount,
    };
  }
  if (cause !== undefined) out.cause = cause;
  return out;
}

/** The exports started since `since`, newest first, with their outcome, size and tables. */
export async function listExports(ctx: Context, options: ListOptions): Promise<ListedExport[]> {
  const { sfn } = ctx.clients;
  const items = await listExecutions(sfn, ctx.deployment.stateMachineArn, { startedAfter: options.since });
  const runs = await mapLimit(items, READ_CONCURRENCY, async (item) =>
    toExportRun(item, await latestState(sfn, item.executionArn ?? '')),
  );
  return runs
    .map(toListed)
    .filter(
      (e) => options.source === undefined || globMatch(options.source, e.source ?? '', { ignoreCase: true }),
    )
    .filter((e) => options.account === undefined || globMatch(options.account, e.account ?? ''))
    .filter((e) => options.region === undefined || globMatch(options.region, e.region ?? ''))
    .filter((e) => options.status === undefined || e.outcome === options.status);
}

/** A snapshot's allocated storage, or what a graph export wrote. */
function size(e: ListedExport): string {
  if (e.verticesWritten === undefined && e.edgesWritten === undefined) return gb(e.sizeGB);
  return `${e.verticesWritten ?? 0} vertices, ${e.edgesWritten ?? 0} edges`;
}

const OUTCOME_COLOURS = { COMPLETE: 'green', RUNNING: 'cyan', CANCELED: 'yellow' } as const;

export function renderList(exports: ListedExport[], since: Date, colour = colourOn()): string {
  const paint = painter(colour);
  if (exports.length === 0) return `No exports since ${when(since)}.`;
  // The account and Region columns only when the exports come from more than one (a hub's members,
  // its Regions).
  const byAccount = new Set(exports.map((e) => e.account)).size > 1;
  const byRegion = new Set(exports.map((e) => e.region)).size > 1;
  const tables = (t: ListedExport['tables']) =>
    t === undefined
      ? '-'
      : `${t.registered}/${t.skipped}${t.failed > 0 ? `/${paint(String(t.failed), 'red')}` : '/0'}`;
  return [
    table(
      [
        'OUTCOME',
        'EXPORT TASK',
        ...(byAccount ? ['ACCOUNT'] : []),
        ...(byRegion ? ['REGION'] : []),
        'SOURCE',
        'SNAPSHOT TIME',
        'SIZE',
        'DURATION',
        'TABLES',
        'DESTINATION',
        'CAUSE',
      ],
      exports.map((e) => [
        paint(e.outcome, OUTCOME_COLOURS[e.outcome as keyof typeof OUTCOME_COLOURS] ?? 'red'),
        e.exportTaskIdentifier,
        ...(byAccount ? [e.account ?? '-'] : []),
        ...(byRegion ? [e.region ?? '-'] : []),
        e.source ?? '-',
        when(e.snapshotTime),
        size(e),
        duration(e.durationSeconds),
        tables(e.tables),
        e.destination ?? '-',
        clip(e.cause, 60),
      ]),
      new Set(byAccount ? [5, 6] : [4, 5]),
    ),
    '',
    `${exports.length} export(s) since ${when(since)}; SIZE = the snapshot's allocated storage, or the vertices and edges a graph export wrote; TABLES = registered / skipped by the export / not registered.`,
  ].join('\n');
}

export const listCommand: Command = {
  summary:
    'past exports: outcome, source, snapshot time, size (a graph: vertices and edges written), duration, destination, tables, failure cause',
  usage: `rds-export list [--since 7d] [--source <glob>] [--account <glob>] [--source-region <glob>] [--status <outcome>] [options]

  --since              a duration back from now (7d, 24h, 90m, 2w) or an ISO 8601 date (default 7d);
                       Step Functions keeps executions for 90 days after they end
  --source             glob on the DB instance / cluster identifier, or the graph's name
  --account            glob on the source's account ID (a hub lists its member accounts' exports too)
  --source-region      glob on the source's Region (--region is the deployment's)
  --status             ${OUTCOMES.join(', ')}
${DEPLOYMENT_USAGE}`,
  options: {
    ...DEPLOYMENT_OPTIONS,
    since: { type: 'string' },
    source: { type: 'string' },
    account: { type: 'string' },
    'source-region': { type: 'string' },
    status: { type: 'string' },
  },
  async run(values) {
    const statusText = optionOrEnv(values, 'status')?.toUpperCase();
    if (statusText !== undefined && !(OUTCOMES as readonly string[]).includes(statusText)) {
      throw new UsageError(`--status "${statusText}": one of ${OUTCOMES.join(', ')}`);
    }
    const ctx = await openDeployment(values);
    const since = parseSince(optionOrEnv(values, 'since') ?? '7d', ctx.now());
    const source = optionOrEnv(values, 'source');
    const account = optionOrEnv(values, 'account');
    const region = optionOrEnv(values, 'source-region');
    const exports = await listExports(ctx, {
      since,
      ...(source === undefined ? {} : { source }),
      ...(account === undefined ? {} : { account }),
      ...(region === undefined ? {} : { region }),
      ...(statusText === undefined ? {} : { status: statusText as Outcome }),
    });
    return values.json === true
      ? JSON.stringify({ since: since.toISOString(), exports })
      : renderList(exports, since);
  },
};
