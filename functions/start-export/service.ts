import type { ExecutionState, ExportTaskSummary } from '#shared/contract/execution.ts';

/**
 * The service an export is started with, behind one interface, so start.ts is one path for every
 * source: RDS (snapshots, live Aurora clusters: rds-service.ts) and Neptune Analytics (graphs:
 * graph-service.ts). The slots, the queue and the backoff are start.ts's, whatever the service.
 */
export interface ExportService {
  /**
   * The tasks that hold a slot of this export's pool, by the name its lease has (an export of the
   * pipeline's own: its execution name), and this export's own task if a duplicate or a re-run
   * already started it.
   */
  active(state: ExecutionState): Promise<{ count: number; identifiers: string[]; mine?: ExportTaskSummary }>;
  /**
   * Sends the start request: the task started, the task to track instead (the start found it
   * already running), `full` when the service refuses for its limit (the export queues again), or
   * `wait` (why) when another export of the same source runs and this one must start after it.
   */
  start(
    state: ExecutionState,
  ): Promise<{ started: ExportTaskSummary } | { existing: ExportTaskSummary } | { wait: string } | 'full'>;
}
