import { GlueCatalog, type GluePartition } from '#local/glue/server.ts';
import type { MemoryGlue } from '#testkit/memory-glue.ts';

/**
 * The catalog a registration wrote into MemoryGlue, as the local stack's Glue catalog, so the local
 * Athena engine (local/athena/engine.ts) can run its tables and views.
 */
export function localCatalogOf(memory: MemoryGlue): GlueCatalog {
  const catalog = new GlueCatalog();
  for (const database of memory.databases) catalog.createDatabase({ Name: database });
  for (const [key, table] of memory.tables) {
    const database = key.slice(0, key.indexOf('/'));
    catalog.putTable(database, table as unknown as Record<string, unknown>, 'create');
    for (const p of memory.partitions.get(key) ?? []) {
      catalog.putPartition(database, table.Name ?? '', p as unknown as GluePartition, 'create');
    }
  }
  return catalog;
}
