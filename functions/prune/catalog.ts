import type { GlueClient, Partition } from '@aws-sdk/client-glue';
import { paginateGetDatabases, paginateGetPartitions, paginateGetTables } from '@aws-sdk/client-glue';
import { cappedPages, type PageCap, PageCapError } from '#shared/aws/pages.ts';
import { P, ROLES } from '#shared/contract/catalog.ts';
import { UnexpectedAwsError } from '#shared/contract/errors.ts';
import type { ExportRoot } from '#shared/exports/address.ts';
import { bounded } from './bounded.ts';
import type { SourceExport } from './retention.ts';

export type Glue = Pick<GlueClient, 'send'>;

/** A registered export of a source: what deleting it means in the catalog and in S3. */
export type CatalogExport = SourceExport & {
  /** History partitions holding it, per history table. */
  partitions: { table: string; values: string[] }[];
  roots: ExportRoot[];
  /** Why it cannot be deleted safely, if it cannot (e.g. a location that does not name the export). */
  unsafe?: string;
};

/** One source's database: its registered exports, and the exports its latest tables read. */
export type SourceCatalog = { database: string; exports: CatalogExport[]; readByLatest: Set<string> };

/**
 * Prune deletes by what it reads as the whole catalog, so a listing longer than 1,000 pages (of up to
 * 100 databases or tables, 1,000 partitions) fails rather than being cut short.
 */
const LISTING: PageCap = { maxPages: 1000, atCap: 'fail' };

/** The export root of a partition location: everything up to and including `/<export id>/`. */
export function exportRootOf(location: string | undefined, exportId: string): ExportRoot | undefined {
  const m = /^s3a?:\/\/([^/]+)\/(.*)$/.exec(location ?? '');
  if (!m || exportId === '') return undefined;
  const key = m[2] ?? '';
  let at = 0;
  if (!key.startsWith(`${exportId}/`)) {
    const inner = key.indexOf(`/${exportId}/`);
    if (inner < 0) return undefined;
    at = inner + 1;
  }
  return { bucket: m[1] ?? '', prefix: key.slice(0, at + exportId.length + 1) };
}

function addPartition(exports: Map<string, CatalogExport>, table: string, p: Partition) {
  const [exportId = '', snapshotTime = ''] = p.Values ?? [];
  const entry = exports.get(exportId) ?? {
    exportTaskIdentifier: exportId,
    snapshotTime,
    partitions: [],
    roots: [],
  };
  entry.partitions.push({ table, values: p.Values ?? [] });
  const rule = p.Parameters?.[P.rule];
  if (rule !== undefined) entry.rule = rule;
  const root = exportRootOf(p.StorageDescriptor?.Location, exportId);
  if (root === undefined) {
    entry.unsafe = `partition of ${table} at ${p.StorageDescriptor?.Location ?? '(no location)'} does not name the export's folder`;
  } else if (!entry.roots.some((r) => r.bucket === root.bucket && r.prefix === root.prefix)) {
    entry.roots.push(root);
  }
  exports.set(exportId, entry);
}

/**
 * A listing past its page cap fails the run as UnexpectedAwsError naming it: prune acts on whole
 * listings only, and a longer one is no failure a retry shortens.
 */
export async function* whole<T>(what: string, pages: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  try {
    yield* pages;
  } catch (error) {
    if (error instanceof PageCapError)
      throw new UnexpectedAwsError(`${what}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The pipeline's databases: those whose names start with the prefix, by name. */
export async function sourceDatabases(glue: Glue, databasePrefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of whole(
    'Reading the catalog',
    cappedPages(paginateGetDatabases, { client: glue }, {}, LISTING),
  ))
    for (const db of page.DatabaseList ?? [])
      if (db.Name !== undefined && db.Name !== '' && db.Name.startsWith(databasePrefix)) names.push(db.Name);
  return names.sort();
}

async function pagesOf<T>(what: string, pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of whole(what, pages)) all.push(page);
  return all;
}

/**
 * One source's database: its history partitions, grouped by export, and its latest tables. The
 * history tables' partitions are read `limit` tables at once; a source whose reading `stop()` cut
 * short is undefined (retention is applied to the whole of a source, never to part of it).
 */
export async function readSource(
  glue: Glue,
  database: string,
  limit: number,
  stop: () => boolean,
): Promise<SourceCatalog | undefined> {
  const tables = (
    await pagesOf(
      `Reading the tables of ${database}`,
      cappedPages(paginateGetTables, { client: glue }, { DatabaseName: database }, LISTING),
    )
  ).flatMap((page) => page.TableList ?? []);
  const readByLatest = new Set<string>();
  const history: string[] = [];
  for (const t of tables) {
    const role = t.Parameters?.[P.role];
    const shown = t.Parameters?.[P.exportId];
    if (role === ROLES.latest && shown !== undefined) readByLatest.add(shown);
    if (role === ROLES.history && t.Name !== undefined) history.push(t.Name);
  }
  const read = await bounded(history, limit, stop, async (table) =>
    (
      await pagesOf(
        `Reading the partitions of ${database}.${table}`,
        cappedPages(
          paginateGetPartitions,
          { client: glue },
          { DatabaseName: database, TableName: table },
          LISTING,
        ),
      )
    ).flatMap((page) => page.Partitions ?? []),
  );
  const exports = new Map<string, CatalogExport>();
  for (const [i, outcome] of read.entries()) {
    if (!outcome.done) return undefined;
    for (const p of outcome.value) addPartition(exports, history[i] as string, p);
  }
  return { database, exports: [...exports.values()], readByLatest };
}
