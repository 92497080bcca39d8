import { ACCOUNT_ID, safeScope } from '#shared/aws/accounts.ts';
import { globMatch } from '#shared/policy/glob.ts';
import type { Policy, Retention } from '#shared/policy/schema.ts';
import { bounded, type Concurrency, PRUNE_CONCURRENCY, timeIsUp } from './bounded.ts';
import { type CatalogExport, type Glue, readSource, type SourceCatalog, sourceDatabases } from './catalog.ts';
import {
  chunks,
  DELETE_OBJECTS_BATCH,
  DELETE_PARTITIONS_BATCH,
  deletePartitions,
  deleteVersions,
  listRoot,
  type S3,
  type StoredVersion,
} from './delete.ts';
import { misplaced, type Origin, type OwnershipDeps, originOf } from './ownership.ts';
import { exportsBeyondRetention, newestFirst } from './retention.ts';

/**
 * A manual run restricted to the exports of some sources (`rds-export prune --account`,
 * `--source-region`): globs on the account and the Region of each export's source. The scheduled
 * run has none and prunes every source.
 */
export type SourceFilter = { account?: string; region?: string };

export type PruneDeps = {
  glue: Glue;
  s3: S3;
  /**
   * The export machine (and the ledger): which exports this deployment started, and where.
   * Undefined only for a dry run that cannot see it; nothing is deleted then.
   */
  ownership?: OwnershipDeps;
  policy: Readonly<Policy>;
  databasePrefix: string;
  /** Buckets the pipeline exports to (the deployment's and the policy's): nothing else is deleted. */
  buckets: ReadonlySet<string>;
  now: () => Date;
  /** Told every prefix before it is deleted (the handler logs it). */
  onDelete?: (what: {
    database: string;
    exportTaskIdentifier: string;
    prefix: string;
    objects: number;
  }) => void;
  /** Told every export left alone because its partitions failed the check (the handler logs it). */
  onRefuse?: (what: {
    database: string;
    exportTaskIdentifier: string;
    partitions: number;
    reason: string;
  }) => void;
  /** Only the exports of these accounts and Regions are deleted (needs `ownership`: see sourceOf). */
  only?: SourceFilter;
  /** Requests in flight at most, per service (PRUNE_CONCURRENCY; 1 each sends them one at a time). */
  concurrency?: Concurrency;
  /** Milliseconds left in the invocation (the Lambda context's getRemainingTimeInMillis); none: no limit. */
  remainingMs?: () => number;
  /** No request starts once fewer milliseconds than this remain (TIME_RESERVE_MS). */
  reserveMs?: number;
};

/** One export retention lets go: where it is, how big, and the partitions that describe it. */
export type PrunedExport = {
  database: string;
  exportTaskIdentifier: string;
  snapshotTime: string;
  rule: string;
  prefixes: string[];
  /** Object versions and delete markers under the prefixes (one per object in an unversioned bucket). */
  objects: number;
  bytes: number;
  partitions: number;
};

export type PruneResult = {
  dryRun: boolean;
  sources: number;
  /** Exports deleted (or, in a dry run, that would be). */
  exports: PrunedExport[];
  /**
   * Exports not deleted: within retention, protected, still running, refused (those counted in
   * `refused` too), or not finished before the time limit (of the sources read).
   */
  kept: number;
  /**
   * Exports beyond retention left alone because their partitions failed the check: not an export
   * of this deployment, or pointing elsewhere than where it was started (each has a note).
   */
  refused: number;
  /** Sources or exports left alone, and why (no rule recorded, a location outside the buckets, …). */
  notes: string[];
  /**
   * False when the run stopped before its time limit: the sources it did not reach, and the exports
   * it did not finish (each has a note), are left for the next run, which finds them as they are.
   */
  complete: boolean;
};

/** The rule's retention, or undefined when the rule (or its retention) is gone from the policy. */
export function retentionOf(policy: Readonly<Policy>, rule: string): Retention | undefined {
  const found = policy.rules.find((r) => r.name === rule);
  if (found === undefined || found.action !== 'export') return undefined;
  return found.export.retention ?? policy.defaults.export.retention;
}

/**
 * The account and Region of an export's source, as far as what this deployment wrote says. Not
 * the catalog: a database's name carries the account's ID or its name from the policy, never the
 * Region, and anyone who may write partitions decides what they say. The export job does: its
 * `source.arn` (the execution input, read by the ownership check anyway) names both. Once Step
 * Functions no longer has the execution, the ledger's record of the start does (its `sourceArn`).
 * A record written before it kept the source has only the folder the export started in: a member's
 * is always `<account>/…` (shared/policy/decide.ts; its export role may write nowhere else,
 * serverless.member.yml), any other is the deployment's own account; the Region is then unknown.
 */
export function sourceOf(
  origin: Origin,
  homeAccount: string | undefined,
): { account?: string; region?: string } {
  if ((origin.found === 'execution' || origin.found === 'ledger') && origin.sourceArn !== undefined) {
    const scope = safeScope(origin.sourceArn);
    if (scope !== undefined) return { account: scope.account, region: scope.region };
  }
  if (origin.found !== 'execution' && origin.found !== 'ledger') return {};
  const first = origin.root.prefix.split('/')[0] ?? '';
  const account = ACCOUNT_ID.test(first) ? first : homeAccount;
  return account === undefined ? {} : { account };
}

/** Why an export's source is not among those `only` selects; undefined when it is. */
function outsideOf(
  only: SourceFilter,
  where: { account?: string; region?: string },
): { reason: string; known: boolean } | undefined {
  for (const [option, glob, value] of [
    ['--account', only.account, where.account],
    ['--source-region', only.region, where.region],
  ] as const) {
    if (glob === undefined) continue;
    if (value === undefined)
      return {
        reason: `kept: no execution of it is left to name its source's ${option === '--account' ? 'account' : 'Region'} (${option} ${glob})`,
        known: false,
      };
    if (!globMatch(glob, value)) return { reason: `${value} is not ${option} ${glob}`, known: true };
  }
  return undefined;
}

/**
 * Whether a doomed export may go: `undefined` when it may, else why not, whether it failed the
 * check (a refusal), and whether the reason is worth a note. Partitions are written by anyone who
 * may write the pipeline's databases; the execution or the ledger says which folder the export
 * really has, and (with `only`) whose source it is.
 */
async function hold(
  deps: PruneDeps,
  e: CatalogExport,
): Promise<{ reason: string; refused: boolean; noted?: boolean } | undefined> {
  if (e.unsafe !== undefined) return { reason: e.unsafe, refused: true };
  const outside = e.roots.find((r) => !deps.buckets.has(r.bucket));
  if (outside !== undefined)
    return { reason: `s3://${outside.bucket}/ is not an export bucket`, refused: true };
  if (deps.ownership === undefined)
    return deps.only === undefined ? undefined : { reason: 'its source is not known', refused: false };
  const origin = await originOf(deps.ownership, e.exportTaskIdentifier);
  if (origin.found === 'running') return { reason: 'its execution is still running', refused: false };
  if (deps.only !== undefined && origin.found !== 'nothing') {
    const home = safeScope(deps.ownership.stateMachineArn)?.account;
    const other = outsideOf(deps.only, sourceOf(origin, home));
    // Another account's or Region's export is simply not this run's; one whose source is unknown is said.
    if (other !== undefined) return { reason: other.reason, refused: false, noted: !other.known };
  }
  if (origin.found === 'nothing') return { reason: origin.reason, refused: true };
  const elsewhere = misplaced(e.roots, origin.root);
  return elsewhere === undefined ? undefined : { reason: elsewhere, refused: true };
}

/**
 * A member's database named by its account ID, `<prefix><12 digits>_…` (register-export naming.ts
 * accountDatabasePrefix; the deployment's own start `<prefix><kind>_`, and RDS and Neptune
 * identifiers begin with a letter), of an account `only` does not select: not read at all. Any other
 * database (the deployment's own, or a member's by its name in the policy) is read, and its exports
 * are told apart by their jobs (sourceOf).
 */
function skipped(database: string, prefix: string, only: SourceFilter | undefined): boolean {
  if (only?.account === undefined) return false;
  const id = /^(\d{12})_/.exec(database.slice(prefix.length))?.[1];
  return id !== undefined && !globMatch(only.account, id);
}

const DAY_MS = 86_400_000;

/**
 * The sources from the one whose turn it is today (by the day of `now`): a run its time limit cuts
 * short starts from another source the next day, so none waits behind the others for good.
 */
function todaysTurn<T>(items: readonly T[], now: Date): T[] {
  const start = items.length === 0 ? 0 : Math.floor(now.getTime() / DAY_MS) % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

/** What one run shares while it prunes its sources. */
type Run = {
  deps: PruneDeps;
  result: PruneResult;
  limits: Concurrency;
  stop: () => boolean;
  deleting: boolean;
};

/**
 * Applies every rule's retention to the exports registered in the catalog, deleting only what this
 * deployment exported, where it exported it. Source by source, S3 first, then the history
 * partitions of every export whose files are gone, grouped by table: BatchDeletePartition takes 25
 * partitions of one table a call (Glue API reference), and each export has one partition per table,
 * so grouping a source's exports by table is what fills the batches. A run that stops half-way
 * leaves partitions pointing at (partly) deleted files, which the next run finds and finishes; the
 * other order could leave files no partition names, which nothing would ever find again.
 *
 * Within each step the requests are sent `concurrency` at a time (bounded.ts), and no request
 * starts once the invocation's time is nearly up (`remainingMs`, TIME_RESERVE_MS): those in flight
 * finish, the result says `complete: false` and names what is left, and the next run, which reads
 * the catalog afresh, finishes it. Each step waits for the one before it (S3 before partitions), a
 * failure lets the requests in flight finish and is thrown, and nothing is deleted of an export
 * whose listing was cut short.
 */
export async function prune(deps: PruneDeps, dryRun: boolean): Promise<PruneResult> {
  const databases = (await sourceDatabases(deps.glue, deps.databasePrefix)).filter(
    (d) => !skipped(d, deps.databasePrefix, deps.only),
  );
  const result: PruneResult = {
    dryRun,
    sources: databases.length,
    exports: [],
    kept: 0,
    refused: 0,
    notes: [],
    complete: true,
  };
  if (deps.ownership === undefined)
    result.notes.push(
      'which exports this deployment started was not checked (no state machine): nothing is deleted',
    );
  if (deps.only !== undefined) {
    const what = [
      deps.only.account === undefined ? undefined : `account ${deps.only.account}`,
      deps.only.region === undefined ? undefined : `Region ${deps.only.region}`,
    ].filter((w) => w !== undefined);
    result.notes.push(`only the exports of sources in ${what.join(', ')}: the others are kept`);
  }
  const run: Run = {
    deps,
    result,
    limits: deps.concurrency ?? PRUNE_CONCURRENCY,
    stop: timeIsUp(deps.remainingMs, deps.reserveMs),
    deleting: !dryRun && deps.ownership !== undefined,
  };
  const turn = todaysTurn(databases, deps.now());
  for (const [i, database] of turn.entries()) {
    const source = run.stop() ? undefined : await readSource(deps.glue, database, run.limits.glue, run.stop);
    if (source === undefined) {
      const left = turn.slice(i);
      result.complete = false;
      const named = `${left.slice(0, 10).join(', ')}${left.length > 10 ? ', …' : ''}`;
      result.notes.push(
        `stopped before the time limit: ${left.length} source(s) not pruned (${named}); the next run prunes them`,
      );
      break;
    }
    await pruneSource(run, source);
  }
  return result;
}

/** One export being pruned: what it is, and what this run has done of it. */
type Doomed = {
  e: CatalogExport;
  pruned: PrunedExport;
  /** Every version under its folders is listed (and, when deleting, deleted). */
  filesGone: boolean;
  /** Its partitions' BatchDeletePartition batches not done. */
  partitionBatchesLeft: number;
};

async function pruneSource(run: Run, source: SourceCatalog): Promise<void> {
  const { deps, result, limits, stop } = run;
  const newest = newestFirst(source.exports)[0];
  if (newest === undefined) return;
  const rule = newest.rule;
  const retention = rule === undefined ? undefined : retentionOf(deps.policy, rule);
  if (retention === undefined) {
    result.kept += source.exports.length;
    if (rule === undefined)
      result.notes.push(`${source.database}: its latest export records no rule; all kept`);
    return;
  }
  const beyond = exportsBeyondRetention(
    source.exports,
    retention,
    source.readByLatest,
    deps.now(),
  ) as CatalogExport[];
  result.kept += source.exports.length - beyond.length;

  // Which of them this deployment exported, where (DescribeExecution, maybe GetItem, per export).
  const held = await bounded(beyond, limits.ownership, stop, (e) => hold(deps, e));
  const doomed: Doomed[] = [];
  for (const [i, e] of beyond.entries()) {
    const outcome = held[i] as (typeof held)[number];
    if (!outcome.done) continue;
    const why = outcome.value;
    if (why === undefined) {
      doomed.push({
        e,
        pruned: prunedExport(source.database, e, rule ?? ''),
        filesGone: false,
        partitionBatchesLeft: 0,
      });
      continue;
    }
    result.kept++;
    if (!why.refused) {
      if (why.noted) result.notes.push(`${source.database}/${e.exportTaskIdentifier} ${why.reason}`);
      continue;
    }
    result.refused++;
    result.notes.push(`${source.database}/${e.exportTaskIdentifier} left alone: ${why.reason}`);
    deps.onRefuse?.({
      database: source.database,
      exportTaskIdentifier: e.exportTaskIdentifier,
      partitions: e.partitions.length,
      reason: why.reason,
    });
  }

  await bounded(doomed, limits.s3, stop, (d, halted) => pruneFiles(run, source.database, d, halted));
  const emptied = doomed.filter((d) => d.filesGone);
  if (run.deleting) await prunePartitions(run, source.database, emptied);

  // Deleted (or, without deleting, listed whole), else left to the next run by the time limit.
  const doomedOf = new Map(doomed.map((d) => [d.e, d]));
  for (const [i, e] of beyond.entries()) {
    const d = doomedOf.get(e);
    if (d === undefined && held[i]?.done === true) continue;
    if (d?.filesGone && d.partitionBatchesLeft === 0) {
      result.exports.push(d.pruned);
      continue;
    }
    result.kept++;
    result.complete = false;
    const left = d?.filesGone ? 'its partitions left' : 'it';
    result.notes.push(
      `${source.database}/${e.exportTaskIdentifier}: stopped before the time limit; the next run deletes ${left}`,
    );
  }
}

function prunedExport(database: string, e: CatalogExport, rule: string): PrunedExport {
  return {
    database,
    exportTaskIdentifier: e.exportTaskIdentifier,
    snapshotTime: e.snapshotTime,
    rule,
    prefixes: e.roots.map((r) => `s3://${r.bucket}/${r.prefix}`),
    objects: 0,
    bytes: 0,
    partitions: e.partitions.length,
  };
}

/**
 * Lists every version under the export's folders, then (when deleting) deletes them, a request at a
 * time: the exports of a source go `limits.s3` at once, so at most that many exports' listings are
 * held in memory (a folder lists up to a million versions). Nothing of an export is deleted unless
 * each of its folders was listed whole; the run's time limit (or another export's failure) stops
 * it between two requests, leaving the rest to the next run.
 */
async function pruneFiles(run: Run, database: string, d: Doomed, halted: () => boolean): Promise<void> {
  const { deps } = run;
  const listed: StoredVersion[][] = [];
  for (const root of d.e.roots) {
    const versions = await listRoot(deps.s3, root, halted);
    if (versions === undefined) return;
    listed.push(versions);
  }
  for (const [r, root] of d.e.roots.entries()) {
    const found = listed[r] as StoredVersion[];
    d.pruned.objects += found.length;
    d.pruned.bytes += found.reduce((n, o) => n + o.size, 0);
    if (!run.deleting) continue;
    deps.onDelete?.({
      database,
      exportTaskIdentifier: d.e.exportTaskIdentifier,
      prefix: `s3://${root.bucket}/${root.prefix}`,
      objects: found.length,
    });
    for (const batch of chunks(found, DELETE_OBJECTS_BATCH)) {
      if (halted()) return;
      await deleteVersions(deps.s3, root.bucket, batch);
    }
  }
  d.filesGone = true;
}

/** Deletes the history partitions of exports whose files are gone, by table, 25 a call, `limit` calls at once. */
async function prunePartitions(run: Run, database: string, emptied: readonly Doomed[]): Promise<void> {
  const byTable = new Map<string, { values: string[]; d: Doomed }[]>();
  for (const d of emptied) {
    for (const p of d.e.partitions) {
      const list = byTable.get(p.table);
      const entry = { values: p.values, d };
      if (list === undefined) byTable.set(p.table, [entry]);
      else list.push(entry);
    }
  }
  const batches = [...byTable].flatMap(([table, entries]) =>
    chunks(entries, DELETE_PARTITIONS_BATCH).map((batch) => ({ table, batch })),
  );
  for (const { batch } of batches) for (const { d } of batch) d.partitionBatchesLeft++;
  const deleted = await bounded(batches, run.limits.glue, run.stop, ({ table, batch }) =>
    deletePartitions(
      run.deps.glue,
      database,
      table,
      batch.map((p) => p.values),
    ),
  );
  for (const [i, { batch }] of batches.entries())
    if (deleted[i]?.done) for (const { d } of batch) d.partitionBatchesLeft--;
}

/** Every bucket the pipeline may export to: the deployment's and each one the policy names. */
export function exportBuckets(policy: Readonly<Policy>, deploymentBucket: string): Set<string> {
  const buckets = new Set([deploymentBucket]);
  if (policy.defaults.export.bucket) buckets.add(policy.defaults.export.bucket);
  for (const rule of policy.rules)
    if (rule.action === 'export' && rule.export.bucket) buckets.add(rule.export.bucket);
  return buckets;
}
