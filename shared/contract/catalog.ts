/**
 * The Glue parameters register-export writes and prune reads: which target a table holds, whether
 * it is the latest-export table, its history twin or a typed view, which export the latest table
 * shows, and (on each history partition) the policy rule the export ran under.
 */
export const P = {
  target: 'rds_export.target',
  role: 'rds_export.role',
  exportId: 'rds_export.export_id',
  snapshotTime: 'rds_export.snapshot_time',
  rule: 'rds_export.rule',
} as const;

export const ROLES = {
  latest: 'latest',
  history: 'history',
  latestTyped: 'latest_typed',
  historyTyped: 'history_typed',
} as const;
