import type { RDSClient } from '@aws-sdk/client-rds';
import { ACCOUNT_ID, type Scope, safeScope } from '#shared/aws/accounts.ts';
import { MAX_CONCURRENT_RDS_EXPORTS } from '#shared/contract/execution.ts';
import { dispatchExport, type Outcome } from '#shared/exports/dispatch.ts';
import { RegionName } from '#shared/policy/schema.ts';
import { type Command, optionOrEnv, UsageError, type Values } from '../command.ts';
import { BackfillLedger, decideAll, type PlannedSnapshot, recordedLedger, select } from './backfill-plan.ts';
import { type Context, DEPLOYMENT_OPTIONS, DEPLOYMENT_USAGE, openDeployment } from './deployment.ts';
import { dispatchDeps, POLICY_OPTION, POLICY_USAGE } from './dispatching.ts';
import {
  ASSUMED_GB_PER_HOUR,
  DEFAULT_PRICE_PER_GB,
  exportRate,
  type Forecast,
  forecast,
} from './forecast.ts';
import { colourOn, duration, gb, painter, progressBar, table, when } from './format.ts';
import { listExportTasks, listSnapshots } from './inventory.ts';
import { parseSince } from './list.ts';
import { MEMBER_ROLE_OPTION, MEMBER_ROLE_USAGE } from './member-operator.ts';

export interface BackfillReport {
  dryRun: boolean;
  /** Every selected snapshot, oldest first, with its decision; `described` left out. */
  snapshots: Omit<PlannedSnapshot, 'described'>[];
  forecast: Forecast;
  /** Snapshots RDS described in a form the pipeline cannot read. */
  unreadable: string[];
  /** Without --dry-run: what starting each `export` did. */
  started?: {
    snapshot: string;
    action: Outcome['action'];
    exportTaskIdentifier?: string;
    executionArn?: string;
    reason: string;
  }[];
}

function positive(values: Values, option: string, variable?: string): number | undefined {
  const text = optionOrEnv(values, option, variable);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n))
    throw new UsageError(`--${option} "${text}": must be a positive number`);
  return n;
}

/**
 * `--account` (12 digits: Organizations API reference, DescribeAccount AccountId) and
 * `--source-region` (a Region name), refused before any call names the option.
 */
export function scopeOptions(values: Values): { account?: string; region?: string } {
  const account = optionOrEnv(values, 'account');
  const region = optionOrEnv(values, 'source-region');
  if (account !== undefined && !ACCOUNT_ID.test(account))
    throw new UsageError(`--account "${account}": must be a 12-digit AWS account ID`);
  if (region !== undefined && !RegionName.safeParse(region).success)
    throw new UsageError(
      `--source-region "${region}": must be an AWS Region name (eu-west-1, us-gov-west-1, …)`,
    );
  return {
    ...(account === undefined ? {} : { account }),
    ...(region === undefined ? {} : { region }),
  };
}

/**
 * The account and Region whose snapshots the backfill lists: `--account` (a member's, through its
 * operator role) and `--source-region`, each the deployment's own unless given. Undefined: the
 * deployment's own RDS client, as before there were members.
 */
export function backfillScope(ctx: Context, values: Values): Scope | undefined {
  const { account, region } = scopeOptions(values);
  if (account === undefined && region === undefined) return undefined;
  const home = safeScope(ctx.deployment.stateMachineArn);
  if (home === undefined)
    throw new UsageError(`the state machine ARN ${ctx.deployment.stateMachineArn} names no account`);
  return {
    partition: home.partition,
    account: account ?? home.account,
    region: region ?? ctx.deployment.region,
  };
}

/**
 * RDS of the scope: a member's through the role its stack gives the hub's operators (bin/ops/
 * member-operator.ts, as cancel and retry reach it; STS's AccessDenied names the role and
 * hubOperatorRoleArns), another Region's there; the deployment's own client without a scope.
 */
function rdsOf(ctx: Context, scope: Scope | undefined): Pick<RDSClient, 'send'> {
  if (scope === undefined) return ctx.clients.rds;
  if (ctx.sourceRds === undefined)
    throw new UsageError('this deployment cannot reach other accounts or Regions (no member clients)');
  return ctx.sourceRds(scope);
}

/** Decides for every selected snapshot, forecasts, and unless `dryRun` starts the exports in order. */
export async function backfill(
  ctx: Context,
  values: Values,
  progress?: (done: number, total: number) => void,
) {
  const dryRun = values['dry-run'] === true;
  const sinceText = optionOrEnv(values, 'since');
  const source = optionOrEnv(values, 'source');
  const max = positive(values, 'max');
  const pricePerGB = positive(values, 'price-per-gb', 'RDS_EXPORT_PRICE_PER_GB') ?? DEFAULT_PRICE_PER_GB;
  const given = positive(values, 'gb-per-hour');
  const rds = rdsOf(ctx, backfillScope(ctx, values));
  const deps = dispatchDeps(ctx, values);
  const now = ctx.now();
  // A member's snapshots and export tasks (its five slots, its "already exported") are its own; the
  // exports start in the hub all the same, decided with the hub's Home (dispatchDeps).
  const [{ snapshots, unreadable }, tasks] = await Promise.all([listSnapshots(rds), listExportTasks(rds)]);
  const selected = select(snapshots, {
    latestOnly: values['latest-only'] === true,
    ...(source === undefined ? {} : { source }),
    ...(sinceText === undefined ? {} : { since: parseSince(sinceText, now) }),
  });
  const recorded = recordedLedger(ctx, deps.home);
  const planned = await decideAll(ctx, selected, { ...deps, now }, new BackfillLedger(recorded), tasks);
  const active = tasks.filter((t) =>
    ['STARTING', 'IN_PROGRESS', 'CANCELING'].includes(t.Status ?? ''),
  ).length;
  const outlook = forecast(planned, {
    slots: MAX_CONCURRENT_RDS_EXPORTS,
    activeNow: active,
    rate: exportRate(tasks, given),
    pricePerGB,
    ...(max === undefined ? {} : { max }),
  });
  const report: BackfillReport = {
    dryRun,
    snapshots: planned.map(({ described: _, ...rest }) => rest),
    forecast: outlook,
    unreadable,
  };
  if (dryRun) return report;
  // The same decisions again, in the same order, now through the path events take.
  const ledger = new BackfillLedger(recorded);
  const toStart = planned.filter((p) => p.decision === 'export').length;
  const started: NonNullable<BackfillReport['started']> = [];
  progress?.(0, toStart);
  for (const p of planned) {
    if (p.decision === 'done') ledger.add(p.described.source, p.exportTaskIdentifier ?? '', 'RUNNING');
    if (p.decision !== 'export') continue;
    const outcome = await dispatchExport(
      p.described.source,
      p.described.tags,
      { trigger: 'rds-export backfill', snapshot: p.arn },
      { ...deps, ledger: ledger.view() },
    );
    started.push({
      snapshot: p.snapshot,
      action: outcome.action,
      reason: outcome.reason,
      ...(outcome.exportTaskIdentifier === undefined
        ? {}
        : { exportTaskIdentifier: outcome.exportTaskIdentifier }),
      ...(outcome.executionArn === undefined ? {} : { executionArn: outcome.executionArn }),
    });
    progress?.(started.length, toStart);
  }
  return { ...report, started };
}

const DECISION_COLOURS = { export: 'green', done: 'dim', skip: 'yellow', defer: 'yellow' } as const;

export function renderBackfill(report: BackfillReport, colour = colourOn()): string {
  const paint = painter(colour);
  const f = report.forecast;
  const cost = (usd: number | undefined) => (usd === undefined ? '-' : `~$${usd.toFixed(2)}`);
  const lines: string[] = [];
  if (report.snapshots.length === 0) lines.push('No snapshot is selected.');
  else {
    lines.push(
      table(
        ['DECISION', 'SNAPSHOT', 'SOURCE', 'CREATED', 'SIZE', 'EST. COST', 'EXPORT TASK / REASON'],
        report.snapshots.map((s) => [
          paint(s.decision, DECISION_COLOURS[s.decision]),
          s.snapshot,
          s.source,
          when(s.createdAt),
          gb(s.sizeGB),
          s.decision === 'export' ? cost(s.estimatedCostUSD) : '-',
          s.decision === 'export' ? (s.exportTaskIdentifier ?? '') : s.reason,
        ]),
        new Set([4, 5]),
      ),
    );
  }
  const count = (d: string) => report.snapshots.filter((s) => s.decision === d).length;
  const rate = `${f.rate.gbPerHour.toFixed(1)} GB/h per export (${f.rate.basis === 'observed' ? `observed over ${f.rate.completedTasks} completed export(s)` : f.rate.basis === 'given' ? '--gb-per-hour' : 'assumed; --gb-per-hour to change'})`;
  lines.push(
    '',
    `${report.snapshots.length} snapshot(s): ${count('export')} to export, ${count('done')} already exported, ${count('skip')} skipped, ${count('defer')} deferred.`,
    `Estimated cost: ${cost(f.estimatedCostUSD)} for ${f.sizeGB} GB (an estimate: GB of the whole snapshot × $${f.pricePerGB.toFixed(3)}/GB; set --price-per-gb or RDS_EXPORT_PRICE_PER_GB for your Region).`,
    `Capacity forecast: ${f.exports} export(s) on ${f.slots} slots${f.activeNow > 0 ? ` (${f.activeNow} busy now)` : ''} at ${rate}: about ${duration(f.hours * 3600)} until the last one ends.`,
  );
  for (const u of report.unreadable) lines.push(`Unreadable snapshot description: ${u}`);
  if (report.started !== undefined) {
    const startedCount = report.started.filter((s) => s.action === 'export').length;
    lines.push('', `Started ${startedCount} export(s).`);
    for (const s of report.started.filter((x) => x.action !== 'export')) {
      lines.push(`  ${s.snapshot}: not started (${s.action}): ${s.reason}`);
    }
  } else lines.push('', paint('Dry run: nothing was started.', 'bold'));
  return lines.join('\n');
}

export const backfillCommand: Command = {
  summary:
    'apply the policy to existing snapshots: decision, size and estimated cost each, a capacity forecast; starts them',
  usage: `rds-export backfill [--account <id>] [--source-region <region>] [--source <glob>] [--since <date>]
                    [--latest-only] [--dry-run] [--member-role-name <name>] [options]

  --account            a member account's snapshots (12-digit ID), listed through its operator role and
                       exported as its own events would (its export role, its <account>/ folder); default:
                       the deployment's own account
  --source-region      the Region whose snapshots are listed (default: the deployment's, --region)
  --source             glob on the DB instance / cluster identifier
  --since              only snapshots created since (ISO 8601 date, or 7d, 24h)
  --latest-only        only the newest snapshot of each source
  --dry-run            decide and forecast; start nothing
  --max                start at most this many exports (the rest are deferred to a later run)
  --price-per-gb       USD per GB exported, for the estimate (default: env RDS_EXPORT_PRICE_PER_GB, else 0.010)
  --gb-per-hour        export rate for the forecast (default: observed from the account's completed
                       exports, else an assumed ${ASSUMED_GB_PER_HOUR})
${POLICY_USAGE}
${MEMBER_ROLE_USAGE}
${DEPLOYMENT_USAGE}`,
  options: {
    ...DEPLOYMENT_OPTIONS,
    ...POLICY_OPTION,
    ...MEMBER_ROLE_OPTION,
    account: { type: 'string' },
    'source-region': { type: 'string' },
    source: { type: 'string' },
    since: { type: 'string' },
    'latest-only': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    max: { type: 'string' },
    'price-per-gb': { type: 'string' },
    'gb-per-hour': { type: 'string' },
  },
  async run(values) {
    scopeOptions(values);
    const ctx: Context = await openDeployment(values);
    // The bar goes to stderr, and only to a terminal: stdout stays the report (or the JSON document).
    const bar = process.stderr.isTTY
      ? (done: number, total: number) =>
          process.stderr.write(`\rstarting exports ${progressBar(done, total)}${done === total ? '\n' : ''}`)
      : undefined;
    const report = await backfill(ctx, values, bar);
    return values.json === true ? JSON.stringify(report) : renderBackfill(report);
  },
};
