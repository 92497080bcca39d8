import type { GlueClient, Partition } from '@aws-sdk/client-glue';
import { paginateGetDatabases, paginateGetPartitions, paginateGetTables } from '@aws-sdk/client-glue';
import { collectPages, type PageCap } from '#shared/aws/pages.ts';
import { P, ROLES } from '#shared/contract/catalog.ts';
import type { ExportRoot } from '#shared/exports/address.ts';
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

/** Reads every database of the prefix: its history partitions, grouped by export, and its latest tables. */
export async function readSources(glue: Glue, databasePrefix: string): Promise<SourceCatalog[]> {
  const databases = (await collectPages(paginateGetDatabases, { client: glue }, {}, LISTING)).flatMap(
    (page) => page.DatabaseList ?? [],
  );
  const sources: SourceCatalog[] = [];
  for (const db of databases) {
    const database = db.Name ?? '';
    if (database === '' || !database.startsWith(databasePrefix)) continue;
    const tables = (
      await collectPages(paginateGetTables, { client: glue }, { DatabaseName: database }, LISTING)
    ).flatMap((page) => page.TableList ?? []);
    const readByLatest = new Set<string>();
    const exports = new Map<string, CatalogExport>();
    for (const t of tables) {
      const role = t.Parameters?.[P.role];
      const shown = t.Parameters?.[P.exportId];
      if (role === ROLES.latest && shown !== undefined) readByLatest.add(shown);
      if (role !== ROLES.history || t.Name === undefined) continue;
      const table = t.Name;
      const partitions = (
        await collectPages(
          paginateGetPartitions,
          { client: glue },
          { DatabaseName: database, TableName: table },
          LISTING,
        )
      ).flatMap((page) => page.Partitions ?? []);
      for (const p of partitions) addPartition(exports, table, p);
    }
    sources.push({ database, exports: [...exports.values()], readByLatest });
  }
  return sources;
}
