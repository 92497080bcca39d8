import type {
  CheckResult,
  ExportJob,
  ExportTaskSummary,
  SnapshotSource,
} from '#shared/contract/execution.ts';
import type { Context } from './deployment.ts';
import type { SeenJob } from './executions.ts';
import { graphKind } from './graph-kind.ts';
import { rdsKind } from './rds-kind.ts';

/** The task statuses the state machine branches on (RDS's names), or UNKNOWN. */
export type MachineStatus = CheckResult['status'];

/** What the commands read of an export to find its task: the execution's job, where there is one. */
export type KnownJob = Pick<SeenJob, 'exportTaskIdentifier' | 'source' | 'request'>;

/** What retry dispatches for a source: as its service describes it now, and what the policy needs besides. */
export interface CurrentSource {
  source: SnapshotSource;
  tags: Record<string, string>;
  /** The snapshot a retry names in its decision, when it exports one. */
  snapshot?: string;
  /** Who exports it, when the deployment's outputs do not say (a graph's role). */
  destination?: { graphRole?: string };
}

/**
 * What the commands need of an export that depends on the service exporting it: RDS (snapshots,
 * live Aurora clusters: rds-kind.ts) or Neptune Analytics (graphs: graph-kind.ts). cancel, retry,
 * status and list ask `kindOf(source kind)` and never which kind they hold.
 */
export interface ExportKind {
  /**
   * The export's task as its service reports it now; undefined when it has none (yet). `recorded`
   * is the task the execution last saw, when the caller read it.
   */
  task(
    ctx: Context,
    id: string,
    job: KnownJob | undefined,
    recorded?: ExportTaskSummary,
  ): Promise<ExportTaskSummary | undefined>;
  /** The task's status in the machine's words (what check-export maps it to). */
  machineStatus(status: string): MachineStatus;
  /** Sends CancelExportTask: the status it answers, or `not-running` when it refuses an ended task. */
  cancel(ctx: Context, task: ExportTaskSummary): Promise<{ status: string } | 'not-running'>;
  /** For retry: the source as its service describes it now (it must still be the one exported). */
  current(ctx: Context, job: ExportJob): Promise<CurrentSource>;
  /** For retry: tells whether a task of the service already holds an identifier. */
  taken(ctx: Context, job: ExportJob): Promise<(id: string) => Promise<boolean>>;
}

/** The kind of an export from its source kind; RDS's for a job that could not be read. */
export function kindOf(sourceKind: string | undefined): ExportKind {
  return sourceKind === 'graph' ? graphKind : rdsKind;
}

/** The machine statuses of a task that ended. */
export const ENDED_MACHINE_STATUSES: ReadonlySet<MachineStatus> = new Set(['COMPLETE', 'FAILED', 'CANCELED']);
