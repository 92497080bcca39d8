import type { Column, Table } from '@aws-sdk/client-glue';
import { mapLimit } from '#shared/aws/concurrency.ts';
import { awsCause } from '#shared/aws/errors.ts';
import type { RegistrationResult } from '#shared/contract/execution.ts';
import type { RdsRegistration } from '#shared/sources/kinds/types.ts';
import { exportRoot } from '#shared/sources/rds/address.ts';
import { cursorAfter, type RegisterCursor, remainingAfter, timeIsUp } from './cursor.ts';
import { footerSample } from './footer-sample.ts';
import { applyWrites, type EntryRetry } from './glue-apply.ts';
import { planTable } from './glue-plan.ts';
import type { DesiredTable, Glue } from './glue-tables.ts';
import { ensureDatabase, folderAbove, P, readCatalog } from './glue-tables.ts';
import type { TableMetadata } from './metadata.ts';
import { mergeMetadata, skippedFromWarning } from './metadata.ts';
import { assignTableNames, databaseName, HISTORY_SUFFIX } from './naming.ts';
import {
  type FullRegistration,
  failIfTransient,
  mergeRegistrations,
  readReport,
  reportRegistration,
} from './report.ts';
import type { ExportListing, S3 } from './s3-export.ts';
import { folderOfTarget, getText, listExport, readFooter, targetOfFolder } from './s3-export.ts';
import { runScheduled, TRANSIENT_RERUNS } from './schedule.ts';
import type { FileColumn, FileSchema } from './schema.ts';
import { fileSchema, glueColumns, mergeSchemas } from './schema.ts';
import { type SchemaChange, schemaChange } from './schema-changes.ts';
import { type EngineFamily, type TypedColumn, typedColumn } from './typed-columns.ts';
import { planViews } from './view-plan.ts';

/** What RDS's registration reads of an export (the snapshot and cluster kinds' `register` names it). */
export type RegisterInput = RdsRegistration;

export type RegisterDeps = {
  glue: Glue;
  s3: S3;
  databasePrefix: string;
  /** Tables registered at once (Glue calls in flight). */
  glueConcurrency?: number;
  /** Footer reads in flight. */
  s3Concurrency?: number;
  /**
   * How a BatchCreatePartition entry that failed transiently is sent again (glue-apply.ts). Nothing
   * else is retried here: each client's retry strategy retries its calls (shared/aws/client-config.ts).
   */
  entryRetry?: EntryRetry;
  /** Milliseconds left in the invocation (the Lambda context's getRemainingTimeInMillis); none: no limit. */
  remainingMs?: () => number;
  /** No table starts once fewer milliseconds than this remain (TIME_RESERVE_MS). */
  reserveMs?: number;
};

type Candidate = { target: string; folder?: string; meta?: TableMetadata };

/** Registers every table of one completed export in the source's Glue database. */
export async function registerExport(
  input: RegisterInput,
  deps: RegisterDeps,
  cursor?: RegisterCursor,
): Promise<RegistrationResult & { cursor?: RegisterCursor }> {
  const mysql = /mysql|maria/i.test(input.engine);
  const root = exportRoot(input.prefix, input.exportTaskIdentifier);
  const listing = await listExport(deps.s3, input.bucket, root);

  const problems: string[] = [];
  const texts = await mapLimit(listing.metadataKeys, 8, async (key) => {
    try {
      return { key, text: await getText(deps.s3, input.bucket, key) };
    } catch (err) {
      problems.push(`${key}: unreadable (${(awsCause(err) as Error).name})`);
      return undefined;
    }
  });
  const meta = mergeMetadata(texts.filter((t) => t !== undefined));
  problems.push(...meta.problems);
  const skipped = dedupe([...meta.skipped, ...skippedFromWarning(input.warningMessage)]);
  const skippedTargets = new Set(skipped.map((s) => s.target));

  // Tables come from the metadata and from the folders found; a folder nobody names is still a table.
  const candidates = new Map<string, Candidate>();
  const claimed = new Set<string>();
  for (const [target, m] of meta.tables) {
    if (skippedTargets.has(target)) continue;
    const folder = folderOfTarget(target, mysql);
    const found = listing.tableFolders.has(folder);
    if (found) claimed.add(folder);
    candidates.set(target, { target, meta: m, folder: found ? folder : undefined });
  }
  for (const folder of listing.tableFolders.keys()) {
    const target = targetOfFolder(folder, mysql);
    if (!claimed.has(folder) && !skippedTargets.has(target) && !candidates.has(target)) {
      candidates.set(target, { target, folder });
    }
  }

  const database = databaseName(deps.databasePrefix, input.sourceKind, input.sourceIdentifier);
  await ensureDatabase(deps.glue, database, `RDS exports of ${input.sourceIdentifier}`);
  const catalog = await readCatalog(deps.glue, database);
  const names = assignTableNames(
    [...candidates.keys()],
    registeredTargets(catalog.tables),
    new Set(catalog.tables.keys()),
  );

  const full: FullRegistration = {
    database,
    registered: [],
    skipped,
    failed: [],
    problems,
    schemaChanges: [],
    typedViews: { count: 0, written: 0, names: [] },
  };
  const engine: EngineFamily = mysql ? 'mysql' : 'postgres';
  const snapshotTime = input.snapshotTime ?? meta.snapshotTime ?? 'unknown';
  const sorted = [...candidates.values()].sort((a, b) => a.target.localeCompare(b.target));
  const todo = remainingAfter(sorted, cursor);
  type Outcome = Awaited<ReturnType<typeof registerTable>>;
  const isTransient = (o: Outcome) => 'error' in o && o.transient === true;
  const results = await runScheduled(
    todo,
    {
      limit: deps.glueConcurrency ?? 16,
      stop: timeIsUp(deps),
      transient: isTransient,
      retries: TRANSIENT_RERUNS,
    },
    registerTable,
  );
  // Finished: registered or failed for a lasting cause. The cursor passes only finished tables.
  const finished = (o: Outcome | undefined): o is Outcome => o !== undefined && !isTransient(o);
  const outcomes = results.filter(finished);
  const changes: SchemaChange[] = [];
  for (const o of outcomes) {
    if ('error' in o) full.failed.push({ target: o.c.target, reason: o.error as string });
    else {
      const entry = { target: o.c.target, table: o.name, columns: o.columns };
      full.registered.push(o.notes.length > 0 ? { ...entry, notes: o.notes } : entry);
      if (o.change) changes.push(o.change);
      full.typedViews?.names.push(...o.views.names);
      if (full.typedViews) full.typedViews.written += o.views.writes.length;
    }
  }
  full.schemaChanges = changes;
  if (full.typedViews) full.typedViews.count = full.typedViews.names.length;
  const cut = results.some((o) => o === undefined);
  if (!cut) {
    failIfTransient(results.flatMap((o) => (o !== undefined && isTransient(o) ? [o.c.target] : [])));
  }
  const next = cursorAfter(todo, (i) => finished(results[i]), cursor);
  const previous = cursor === undefined ? undefined : await readReport(deps.s3, input.bucket, root);
  const merged = previous === undefined ? full : mergeRegistrations(previous, full);
  const result = await reportRegistration(deps.s3, input.bucket, root, input.exportTaskIdentifier, merged);
  return next === undefined ? result : { ...result, cursor: next };

  async function registerTable(c: Candidate) {
    const name = names.get(c.target) as string;
    if (!c.folder)
      return { c, name, error: `no Parquet files under ${root}${folderOfTarget(c.target, mysql)}/` };
    const fileSchemas = await readSchemas(deps.s3, input.bucket, root, c.folder, listing);
    const merged = mergeSchemas(fileSchemas);
    if (!merged.ok) return { c, name, error: merged.reason };
    const cols = glueColumns(merged, fileSchemas, c.meta?.originalTypes ?? new Map());
    if (!cols.ok) return { c, name, error: cols.reason };
    const desired: DesiredTable = {
      target: c.target,
      name,
      columns: cols.columns,
      location: `s3://${input.bucket}/${root}${c.folder}/`,
      sourceLocation: folderAbove(input.bucket, root),
      exportId: input.exportTaskIdentifier,
      snapshotTime,
      serde: cols.serde,
      ...(input.rule === undefined ? {} : { rule: input.rule }),
    };
    const latest = catalog.tables.get(name);
    const history = catalog.tables.get(name + HISTORY_SUFFIX);
    const views = planViews({
      database,
      desired,
      latest,
      history,
      typed: typedColumns(merged.columns, cols.columns, c.meta, engine),
      catalog: catalog.tables,
    });
    // The views go last: they read the tables, and a re-run that finds the tables done still makes them.
    const writes = [...planTable(desired, latest, history), ...views.writes];
    const applied = await applyWrites(deps.glue, database, writes, deps.entryRetry);
    const notes = c.meta ? merged.notes : [...merged.notes, 'not named in the export metadata files'];
    if (!applied.ok) return { c, name, error: applied.reason, transient: applied.transient };
    return {
      c,
      name,
      notes,
      columns: cols.columns.length,
      views,
      change: schemaChange(c.target, name, latest, input.exportTaskIdentifier, cols.columns),
    };
  }
}

/**
 * The schemas of the files that prove the table's (footer-sample.ts), read at once: a few
 * ranged GETs per table however many part files it has.
 */
async function readSchemas(
  s3: S3,
  bucket: string,
  root: string,
  folder: string,
  listing: ExportListing,
): Promise<FileSchema[]> {
  const sample = footerSample(listing.tableFolders.get(folder) ?? [], `${root}${folder}/`);
  return Promise.all(
    sample.map(async (f): Promise<FileSchema> => {
      try {
        return fileSchema(f.key, await readFooter(s3, bucket, f));
      } catch (err) {
        return { key: f.key, error: `footer unreadable: ${(awsCause(err) as Error).message}` };
      }
    }),
  );
}

/**
 * This export's typed column for each Glue column, from the metadata's raw mapping of the column it
 * came from (file columns and Glue columns are in the same order; names match ignoring case).
 */
function typedColumns(
  fileColumns: readonly FileColumn[],
  glueCols: readonly Column[],
  meta: TableMetadata | undefined,
  engine: EngineFamily,
): Map<string, TypedColumn> {
  const originals = meta?.originals ?? new Map();
  const lowered = new Map([...originals].map(([k, v]) => [k.toLowerCase(), v]));
  const out = new Map<string, TypedColumn>();
  glueCols.forEach((column, i) => {
    const raw = fileColumns[i]?.name ?? column.Name ?? '';
    const original = originals.get(raw) ?? lowered.get(raw.toLowerCase());
    out.set(column.Name ?? '', typedColumn(column, original, engine));
  });
  return out;
}

/** Each target's latest table already in the catalog: target → table name. */
export function registeredTargets(tables: ReadonlyMap<string, Table>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, t] of tables) {
    const target = t.Parameters?.[P.target];
    if (target !== undefined && t.Parameters?.[P.role] === 'latest') out.set(target, name);
  }
  return out;
}

function dedupe(list: { target: string; reason: string }[]): { target: string; reason: string }[] {
  const seen = new Map<string, { target: string; reason: string }>();
  for (const s of list) if (!seen.has(s.target)) seen.set(s.target, s);
  return [...seen.values()];
}
