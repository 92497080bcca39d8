import type { KindPolicy } from '#shared/sources/kinds/types.ts';

/**
 * A graph's export takes its own file format and label filter (neptune-graph StartExportTask
 * `format`, `exportFilter`), not RDS's table list, and a graph has no engine to select it by. A
 * graph schedule lists the deployment's own graphs only: no member role nor the hub's graph role
 * reaches Neptune Analytics in another account or Region (serverless.member.yml grants RDS alone).
 */
export const graphPolicy: KindPolicy = {
  ownSettings: ['format', 'exportFilter'],
  refusedSettings: {
    exportOnly: 'graphs take exportFilter, not exportOnly (give graphs a rule of their own)',
  },
  refusedSelectors: {
    engine: 'a graph has no engine to select by (select graphs by identifier and tags)',
    accounts:
      "graphs are exported in the deployment's own account only (leave accounts out of a graph schedule)",
    regions:
      "graphs are exported in the deployment's own Region only (leave regions out of a graph schedule)",
  },
};
