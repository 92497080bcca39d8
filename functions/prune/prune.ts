import { classifyAwsError } from '#shared/aws/errors.ts';
import type { Policy, Retention } from '#shared/policy/schema.ts';
import { type CatalogExport, type Glue, readSources } from './catalog.ts';
import { deletePartitions, deleteVersions, listRoot, type S3 } from './delete.ts';
import { misplaced, type OwnershipDeps, originOf } from './ownership.ts';
import { exportsBeyondRetention, newestFirst } from './retention.ts';

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
  /** Exports not deleted: within retention, protected, still running, or refused (those counted in `refused` too). */
  kept: number;
  /**
   * Exports beyond retention left alone because their partitions failed the check: not an export
   * of this deployment, or pointing elsewhere than where it was started (each has a note).
   */
  refused: number;
  /** Sources or exports left alone, and why (no rule recorded, a location outside the buckets, …). */
  notes: string[];
};

/** The rule's retention, or undefined when the rule (or its retention) is gone from the policy. */
export function retentionOf(policy: Readonly<Policy>, rule: string): Retention | undefined {
  const found = policy.rules.find((r) => r.name === rule);
  if (found === undefined || found.action !== 'export') return undefined;
  return found.export.retention ?? policy.defaults.export.retention;
}

/**
 * Whether a doomed export may go: `undefined` when it may, else why not and whether it failed the
 * check (a refusal) or is only still running. Partitions are written by anyone who may write the
 * pipeline's databases; the execution or the ledger says which folder the export really has.
 */
async function hold(
  deps: PruneDeps,
  e: CatalogExport,
): Promise<{ reason: string; refused: boolean } | undefined> {
  if (e.unsafe !== undefined) return { reason: e.unsafe, refused: true };
  const outside = e.roots.find((r) => !deps.buckets.has(r.bucket));
  if (outside !== undefined)
    return { reason: `s3://${outside.bucket}/ is not an export bucket`, refused: true };
  if (deps.ownership === undefined) return undefined;
  const origin = await originOf(deps.ownership, e.exportTaskIdentifier);
  if (origin.found === 'running') return { reason: 'its execution is still running', refused: false };
  if (origin.found === 'nothing') return { reason: origin.reason, refused: true };
  const elsewhere = misplaced(e.roots, origin.root);
  return elsewhere === undefined ? undefined : { reason: elsewhere, refused: true };
}

/**
 * Applies every rule's retention to the exports registered in the catalog, deleting only what this
 * deployment exported, where it exported it. Per source, S3 first (export by export), then the
 * history partitions of every export whose files are gone, grouped by table: BatchDeletePartition
 * takes 25 partitions of one table a call (Glue API reference), and each export has one partition
 * per table, so grouping a source's exports by table is what fills the batches. A run that stops
 * half-way leaves partitions pointing at (partly) deleted files, which the next run finds and
 * finishes; the other order could leave files no partition names, which nothing would ever find again.
 */
export async function prune(deps: PruneDeps, dryRun: boolean): Promise<PruneResult> {
  const sources = await readSources(deps.glue, deps.databasePrefix).catch((error: unknown) => {
    throw classifyAwsError(error, 'glue', 'Reading the catalog');
  });
  const result: PruneResult = {
    dryRun,
    sources: sources.length,
    exports: [],
    kept: 0,
    refused: 0,
    notes: [],
  };
  if (deps.ownership === undefined)
    result.notes.push(
      'which exports this deployment started was not checked (no state machine): nothing is deleted',
    );
  for (const source of sources) {
    const newest = newestFirst(source.exports)[0];
    const rule = newest?.rule;
    const retention = rule === undefined ? undefined : retentionOf(deps.policy, rule);
    if (newest === undefined) continue;
    if (retention === undefined) {
      result.kept += source.exports.length;
      if (rule === undefined)
        result.notes.push(`${source.database}: its latest export records no rule; all kept`);
      continue;
    }
    const doomed = exportsBeyondRetention(
      source.exports,
      retention,
      source.readByLatest,
      deps.now(),
    ) as CatalogExport[];
    result.kept += source.exports.length - doomed.length;
    const emptied: CatalogExport[] = [];
    for (const e of doomed) {
      const held = await hold(deps, e);
      if (held !== undefined) {
        result.kept++;
        if (!held.refused) continue;
        result.refused++;
        result.notes.push(`${source.database}/${e.exportTaskIdentifier} left alone: ${held.reason}`);
        deps.onRefuse?.({
          database: source.database,
          exportTaskIdentifier: e.exportTaskIdentifier,
          partitions: e.partitions.length,
          reason: held.reason,
        });
        continue;
      }
      const deleting = !dryRun && deps.ownership !== undefined;
      result.exports.push(await pruneFiles(deps, source.database, e, rule ?? '', deleting));
      if (deleting) emptied.push(e);
    }
    await prunePartitions(deps.glue, source.database, emptied);
  }
  return result;
}

/** Lists (and, when `deleting`, deletes) every version under the export's folders. */
async function pruneFiles(
  deps: PruneDeps,
  database: string,
  e: CatalogExport,
  rule: string,
  deleting: boolean,
): Promise<PrunedExport> {
  const pruned: PrunedExport = {
    database,
    exportTaskIdentifier: e.exportTaskIdentifier,
    snapshotTime: e.snapshotTime,
    rule,
    prefixes: e.roots.map((r) => `s3://${r.bucket}/${r.prefix}`),
    objects: 0,
    bytes: 0,
    partitions: e.partitions.length,
  };
  for (const root of e.roots) {
    const objects = await listRoot(deps.s3, root).catch((error: unknown) => {
      throw classifyAwsError(error, 's3', `Listing s3://${root.bucket}/${root.prefix}`);
    });
    pruned.objects += objects.length;
    pruned.bytes += objects.reduce((n, o) => n + o.size, 0);
    if (!deleting) continue;
    deps.onDelete?.({
      database,
      exportTaskIdentifier: e.exportTaskIdentifier,
      prefix: `s3://${root.bucket}/${root.prefix}`,
      objects: objects.length,
    });
    await deleteVersions(deps.s3, root.bucket, objects).catch((error: unknown) => {
      throw classifyAwsError(error, 's3', `Deleting s3://${root.bucket}/${root.prefix}`);
    });
  }
  return pruned;
}

/** Deletes the history partitions of exports whose files are gone, by table, 25 a call. */
async function prunePartitions(glue: PruneDeps['glue'], database: string, emptied: readonly CatalogExport[]) {
  const byTable = new Map<string, string[][]>();
  for (const e of emptied) {
    for (const p of e.partitions) {
      const values = byTable.get(p.table) ?? [];
      values.push(p.values);
      byTable.set(p.table, values);
    }
  }
  for (const [table, values] of byTable) {
    await deletePartitions(glue, database, table, values).catch((error: unknown) => {
      const ids = emptied.map((e) => e.exportTaskIdentifier).join(', ');
      throw classifyAwsError(error, 'glue', `Deleting the partitions of ${ids} in ${table}`);
    });
  }
}

/** Every bucket the pipeline may export to: the deployment's and each one the policy names. */
export function exportBuckets(policy: Readonly<Policy>, deploymentBucket: string): Set<string> {
  const buckets = new Set([deploymentBucket]);
  if (policy.defaults.export.bucket) buckets.add(policy.defaults.export.bucket);
  for (const rule of policy.rules)
    if (rule.action === 'export' && rule.export.bucket) buckets.add(rule.export.bucket);
  return buckets;
}
