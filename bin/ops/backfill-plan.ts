import type { ExportTask } from '@aws-sdk/client-rds';
import type { Home } from '#shared/aws/accounts.ts';
import { dataTime, type ExportJob, type SnapshotSource } from '#shared/contract/execution.ts';
import { type ExportLedger, endedWithoutExport, exportLedger, ledgerKey } from '#shared/exports/ledger.ts';
import { decide, type RecentExport } from '#shared/policy/decide.ts';
import { globMatch } from '#shared/policy/glob.ts';
import type { Policy } from '#shared/policy/schema.ts';
import { exportIdentity, exportTaskIdentifier } from '#shared/sources/identifiers.ts';
import type { DescribedSnapshot } from '#shared/sources/rds/snapshots.ts';
import type { Context } from './deployment.ts';
import { describeExport, listExecutions } from './executions.ts';

export interface Selection {
  source?: string;
  since?: Date;
  latestOnly: boolean;
}

/** The snapshots the options select, oldest first (the order they are decided and started in). */
export function select(snapshots: DescribedSnapshot[], selection: Selection): DescribedSnapshot[] {
  const time = (s: DescribedSnapshot) => Date.parse(s.source.snapshotCreateTime ?? '') || 0;
  let chosen = snapshots.filter(
    (s) =>
      (selection.source === undefined ||
        globMatch(selection.source, s.source.sourceIdentifier, { ignoreCase: true })) &&
      (selection.since === undefined || time(s) >= selection.since.getTime()),
  );
  if (selection.latestOnly) {
    const newest = new Map<string, DescribedSnapshot>();
    for (const s of chosen) {
      const key = ledgerKey(s.source);
      const held = newest.get(key);
      if (held === undefined || time(s) > time(held)) newest.set(key, s);
    }
    chosen = [...newest.values()];
  }
  return chosen.sort((a, b) => time(a) - time(b) || a.source.arn.localeCompare(b.source.arn));
}

const hoursApart = (a: string | undefined, b: string | undefined) =>
  Math.abs(Date.parse(a ?? '') - Date.parse(b ?? '')) / 3_600_000;

/**
 * The ledger as a backfill sees it: each source's last export as recorded by events (read once),
 * plus the exports of the snapshots this backfill knows are exported or starts. It records in memory
 * only (the CLI does not write the table), so a dry run and the real run decide alike.
 */
export class BackfillLedger {
  readonly #read = new Map<string, Promise<RecentExport | undefined>>();
  readonly #known = new Map<string, RecentExport[]>();

  constructor(private readonly recorded?: ExportLedger) {}

  /** An export of this snapshot counts for its source from now on. */
  add(source: SnapshotSource, exportTaskIdentifier: string, status: string): void {
    const key = ledgerKey(source);
    const at = dataTime(source) ?? new Date().toISOString();
    const list = this.#known.get(key) ?? [];
    list.push({
      executionName: exportTaskIdentifier,
      exportTaskIdentifier,
      status,
      startDate: at,
      snapshotTime: at,
      snapshotArn: source.arn,
    });
    this.#known.set(key, list);
  }

  /** The export nearest in time to this snapshot: the one the interval guard must hold it against. */
  async nearest(source: SnapshotSource): Promise<RecentExport | undefined> {
    const key = ledgerKey(source);
    if (!this.#read.has(key))
      this.#read.set(key, this.recorded?.last(source).then((l) => l.recent) ?? Promise.resolve(undefined));
    const mine = dataTime(source);
    const candidates = [await this.#read.get(key), ...(this.#known.get(key) ?? [])].filter(
      (r): r is RecentExport => r !== undefined,
    );
    return candidates.sort(
      (a, b) =>
        hoursApart(mine, a.snapshotTime ?? a.startDate) - hoursApart(mine, b.snapshotTime ?? b.startDate),
    )[0];
  }

  /** What shared/exports/dispatch.ts asks and tells a ledger. */
  view(): ExportLedger {
    return {
      last: async (source) => {
        const recent = await this.nearest(source);
        return { seen: null, ...(recent === undefined ? {} : { recent }) };
      },
      record: async (job: ExportJob) => this.add(job.source, job.exportTaskIdentifier, 'RUNNING'),
    };
  }
}

export type Decision = 'export' | 'skip' | 'done' | 'defer';

export interface PlannedSnapshot {
  snapshot: string;
  arn: string;
  source: string;
  kind: string;
  snapshotType?: string;
  createdAt?: string;
  sizeGB?: number;
  decision: Decision;
  rule: string | null;
  reason: string;
  exportTaskIdentifier?: string;
  /** sizeGB × the price per GB: an estimate. */
  estimatedCostUSD?: number;
  described: DescribedSnapshot;
}

export interface DecideDeps {
  policy: Policy;
  destination: { bucket?: string; kmsKey?: string; role?: string };
  /** The deployment's account and Region: a member's snapshot decides as its events would (its export role, its `<account>/` folder). */
  home?: Home;
  now: Date;
}

/**
 * Decides every selected snapshot in order, as events would: an identifier already taken (an
 * execution, or an RDS task, of any outcome) is `done` and never started again; the rest go through
 * the policy with the interval guard held against the exports before it.
 */
export async function decideAll(
  ctx: Context,
  selected: DescribedSnapshot[],
  deps: DecideDeps,
  ledger: BackfillLedger,
  tasks: ExportTask[],
): Promise<PlannedSnapshot[]> {
  const executions = new Map(
    (await listExecutions(ctx.clients.sfn, ctx.deployment.stateMachineArn)).map((e) => [
      e.name ?? '',
      e.status ?? '',
    ]),
  );
  const taskStatus = new Map(tasks.map((t) => [t.ExportTaskIdentifier ?? '', t.Status ?? '']));
  const planned: PlannedSnapshot[] = [];
  for (const described of selected) {
    const { source, tags } = described;
    const base = {
      snapshot: source.snapshotIdentifier ?? source.sourceIdentifier,
      arn: source.arn,
      source: source.sourceIdentifier,
      kind: source.kind,
      ...(source.snapshotType === undefined ? {} : { snapshotType: source.snapshotType }),
      ...(source.snapshotCreateTime === undefined ? {} : { createdAt: source.snapshotCreateTime }),
      ...(source.sizeGB === undefined ? {} : { sizeGB: source.sizeGB }),
      described,
    };
    const id = exportTaskIdentifier(exportIdentity(source));
    const execution = executions.get(id);
    const task = taskStatus.get(id);
    if (execution !== undefined || task !== undefined) {
      // What a failed execution failed with: ListExecutions leaves it out, DescribeExecution has it.
      const error = execution === 'FAILED' ? (await describeExport(ctx, id))?.error : undefined;
      const notExported = execution !== undefined && endedWithoutExport(execution, error);
      if (!notExported) ledger.add(source, id, execution ?? task ?? '');
      const how =
        execution === undefined
          ? `export task ${task}`
          : `execution ${execution}${error === undefined ? '' : `: ${error}`}`;
      const reason = notExported
        ? `started before, not exported (${how}): rds-export retry ${id} exports it again`
        : `already exported (${how})`;
      planned.push({ ...base, decision: 'done', rule: null, reason, exportTaskIdentifier: id });
      continue;
    }
    const decision = await decide(deps.policy, source, {
      tags,
      destination: deps.destination,
      ...(deps.home === undefined ? {} : { home: deps.home }),
      now: deps.now,
      recentExport: (s) => ledger.nearest(s),
    });
    if (decision.action === 'export') ledger.add(source, decision.job.exportTaskIdentifier, 'RUNNING');
    planned.push({
      ...base,
      decision: decision.action,
      rule: decision.rule,
      reason: decision.reason,
      ...(decision.action === 'export' ? { exportTaskIdentifier: decision.job.exportTaskIdentifier } : {}),
    });
  }
  return planned;
}

/**
 * The ledger the deployment's events record, read only (GetItem, DescribeExecution); with `home`, a
 * member's source is read under its own key (ledgerKey), as the events recorded it.
 */
export function recordedLedger(ctx: Context, home?: Home): ExportLedger {
  return exportLedger({
    ...(home === undefined ? {} : { home }),
    dynamodb: ctx.clients.dynamodb,
    sfn: ctx.clients.sfn,
    table: ctx.deployment.exportsTable,
    stateMachineArn: ctx.deployment.stateMachineArn,
  });
}
