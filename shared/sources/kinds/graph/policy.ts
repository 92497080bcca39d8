import type { KindPolicy } from '#shared/sources/kinds/types.ts';

/**
 * A graph's export takes its own file format and label filter (neptune-graph StartExportTask
 * `format`, `exportFilter`), not RDS's table list, and a graph has no engine to select it by.
 */
export const graphPolicy: KindPolicy = {
  ownSettings: ['format', 'exportFilter'],
  refusedSettings: {
    exportOnly: 'graphs take exportFilter, not exportOnly (give graphs a rule of their own)',
  },
  refusedSelectors: {
    engine: 'a graph has no engine to select by (select graphs by identifier and tags)',
  },
};
