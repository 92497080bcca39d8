import { z } from 'zod';
import { GraphStartExportTaskRequest } from '../sources/graph/request.ts';

/**
 * The data contract between on-snapshot / on-schedule, the state machine and its task functions.
 *
 * The execution input is an `ExportJob`. Each Task state passes the whole state (`$`) to its
 * function and stores the result under its own key: `$.start`, `$.check`, `$.registration`;
 * Catch blocks store `{Error, Cause}` under `$.error`. Functions validate only the slice they use.
 */

/**
 * A DB snapshot, an Aurora cluster snapshot (both from events), a live Aurora cluster or a Neptune
 * Analytics graph (both on schedules).
 */
export const SOURCE_KINDS = ['db-snapshot', 'cluster-snapshot', 'cluster', 'graph'] as const;
export const SNAPSHOT_TYPES = ['manual', 'automated', 'awsbackup'] as const;

export const SourceKind = z.enum(SOURCE_KINDS);
export type SourceKind = z.infer<typeof SourceKind>;
export const SnapshotType = z.enum(SNAPSHOT_TYPES);
export type SnapshotType = z.infer<typeof SnapshotType>;

/** What the pipeline knows of any source; each kind's schema below makes its own members required. */
const SourceFields = {
  /** Snapshot, cluster or graph ARN: the StartExportTask SourceArn, or the graph's. */
  arn: z.string().startsWith('arn:'),
  /** For snapshot kinds: the snapshot's identifier. */
  snapshotIdentifier: z.string().min(1).optional(),
  /** DB instance or cluster identifier the snapshot was taken from, or the live cluster's. */
  sourceIdentifier: z.string().min(1),
  engine: z.string().min(1),
  /** For snapshot kinds: manual, automated or AWS Backup. */
  snapshotType: SnapshotType.optional(),
  snapshotCreateTime: z.iso.datetime({ offset: true }).optional(),
  /** For a scheduled export: the policy schedule that selected it, and the slot's scheduled time. */
  schedule: z.string().min(1).optional(),
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
  /** For a live cluster: `provisioned` or `serverless` (Aurora Serverless v1). */
  engineMode: z.string().optional(),
  /** AllocatedStorage of the snapshot, in GiB. */
  sizeGB: z.number().nonnegative().optional(),
  engineVersion: z.string().optional(),
  /** Snapshot status when described (`available`, `creating`, ...). */
  status: z.string().optional(),
  /** StorageType (`gp3`, `io1`, `standard` = magnetic, `aurora`, ...). */
  storageType: z.string().optional(),
};
const slotTime = z.iso.datetime({ offset: true });

/**
 * What the pipeline knows about what it exports, discriminated on `kind`: a DB or cluster snapshot
 * (from an event: its identifier and type required), a live Aurora cluster or a Neptune Analytics
 * graph (on a schedule: the slot's time required).
 */
export const SnapshotSource = z.discriminatedUnion('kind', [
  z.object({
    ...SourceFields,
    kind: z.enum(['db-snapshot', 'cluster-snapshot']),
    snapshotIdentifier: z.string().min(1),
    snapshotType: SnapshotType,
  }),
  z.object({ ...SourceFields, kind: z.literal('cluster'), scheduledTime: slotTime }),
  z.object({ ...SourceFields, kind: z.literal('graph'), scheduledTime: slotTime }),
]);
export type SnapshotSource = z.infer<typeof SnapshotSource>;

/** The moment the exported data is from: the snapshot's creation, or the schedule slot. */
export function dataTime(
  source: Pick<SnapshotSource, 'snapshotCreateTime' | 'scheduledTime'>,
): string | undefined {
  return source.snapshotCreateTime ?? source.scheduledTime;
}

/** How messages name what is exported: `snapshot rds:orders-…` or `cluster orders`. */
export function sourceLabel(
  source: Pick<SnapshotSource, 'kind' | 'snapshotIdentifier' | 'sourceIdentifier'>,
): string {
  return source.snapshotIdentifier === undefined
    ? `${source.kind} ${source.sourceIdentifier}`
    : `snapshot ${source.snapshotIdentifier}`;
}

/** The StartExportTask request exactly as it will be sent. */
export const StartExportTaskRequest = z.object({
  ExportTaskIdentifier: z.string().min(1).max(60),
  SourceArn: z.string().startsWith('arn:'),
  S3BucketName: z.string().min(3).max(63),
  IamRoleArn: z.string().startsWith('arn:'),
  KmsKeyId: z.string().min(1),
  S3Prefix: z.string().optional(),
  ExportOnly: z.array(z.string().min(1)).optional(),
});
export type StartExportTaskRequest = z.infer<typeof StartExportTaskRequest>;

export { GraphStartExportTaskRequest };

/** RDS runs at most five exports per account and Region (Aurora guide, Exporting to Amazon S3). */
export const MAX_CONCURRENT_RDS_EXPORTS = 5;
/** Neptune Analytics documents no export limit: the policy's own, at most this many. */
export const MAX_CONCURRENT_GRAPH_EXPORTS = 10;

export const ExportLimits = z.object({
  /**
   * Tasks of this export's pool (RDS: STARTING + IN_PROGRESS + CANCELING account-wide, at most 5;
   * graphs: INITIALIZING + EXPORTING + CANCELLING) allowed before this export waits.
   */
  maxConcurrentExports: z.number().int().min(1).max(MAX_CONCURRENT_GRAPH_EXPORTS),
  /** Waiting for a slot longer than this raises one queued-too-long alert; waiting goes on. */
  queueAlertAfterSeconds: z.number().int().positive(),
});
export type ExportLimits = z.infer<typeof ExportLimits>;

const JobFields = {
  /** The execution name: RDS's export task identifier, or a graph's deterministic export name. */
  exportTaskIdentifier: z.string().min(1).max(60),
  rule: z.string().min(1),
  source: SnapshotSource,
  /** Exactly what start-export sends: RDS's StartExportTask input, or Neptune Analytics'. */
  request: z.union([StartExportTaskRequest, GraphStartExportTaskRequest]),
  limits: ExportLimits,
  /**
   * A member account's name, when the policy gives one (`accounts:`): register-export names the
   * account's databases with it instead of the ID.
   */
  accountName: z.string().min(1).max(50).optional(),
};

const RDS_JOB = {
  request: StartExportTaskRequest,
  name: 'an RDS',
  maxConcurrentExports: MAX_CONCURRENT_RDS_EXPORTS,
};
/**
 * Each source kind's part of the contract: the start request it is exported with (what
 * start-export sends) and its pool's ceiling. A graph is exported with the neptune-graph request,
 * everything else with RDS's, which allows 5 at once.
 */
const JOB_OF_KIND = {
  'db-snapshot': RDS_JOB,
  'cluster-snapshot': RDS_JOB,
  cluster: RDS_JOB,
  graph: {
    request: GraphStartExportTaskRequest,
    name: 'a neptune-graph',
    maxConcurrentExports: MAX_CONCURRENT_GRAPH_EXPORTS,
  },
} satisfies Record<SourceKind, { request: z.ZodType; name: string; maxConcurrentExports: number }>;

/** The request and the limit must be those of the source's kind. */
function consistentJob(
  job: { source: { kind: SourceKind }; request: object; limits: ExportLimits },
  ctx: z.RefinementCtx,
): void {
  const contract = JOB_OF_KIND[job.source.kind];
  if (!contract.request.safeParse(job.request).success) {
    ctx.addIssue({
      code: 'custom',
      path: ['request'],
      message: `a ${job.source.kind} is exported with ${contract.name} StartExportTask request`,
    });
  }
  if (job.limits.maxConcurrentExports > contract.maxConcurrentExports) {
    ctx.addIssue({
      code: 'too_big',
      origin: 'number',
      maximum: contract.maxConcurrentExports,
      inclusive: true,
      path: ['limits', 'maxConcurrentExports'],
      message: `must be at most ${contract.maxConcurrentExports} for ${contract.name.replace(/^an? /, '')} exports`,
    });
  }
}

/** Execution input of statemachines/export.asl.yml. Execution name = exportTaskIdentifier. */
export const ExportJob = z.object(JobFields).superRefine(consistentJob);
export type ExportJob = z.infer<typeof ExportJob>;
/**
 * An RDS export's job (snapshots and live Aurora clusters), and a Neptune Analytics graph export's:
 * what a kind's module holds once the job parsed (consistentJob tied the request to the kind).
 */
export type RdsExportJob = ExportJob & { request: StartExportTaskRequest };
export type GraphExportJob = ExportJob & { request: GraphStartExportTaskRequest };

export const EXPORT_TASK_STATUSES = [
  'STARTING',
  'IN_PROGRESS',
  'COMPLETE',
  'FAILED',
  'CANCELING',
  'CANCELED',
] as const;

/** The fields of an RDS ExportTask the pipeline reports on; dates as ISO strings. */
export const ExportTaskSummary = z.object({
  exportTaskIdentifier: z.string(),
  /** As returned by RDS: one of EXPORT_TASK_STATUSES, or something new (handled as unknown). */
  status: z.string(),
  percentProgress: z.number().optional(),
  totalExtractedDataInGB: z.number().optional(),
  snapshotTime: z.string().optional(),
  taskStartTime: z.string().optional(),
  taskEndTime: z.string().optional(),
  s3Bucket: z.string().optional(),
  s3Prefix: z.string().optional(),
  failureCause: z.string().optional(),
  warningMessage: z.string().optional(),
  sourceType: z.string().optional(),
  /** The ARN the task exports: a tracked task must be this job's source. */
  sourceArn: z.string().optional(),
  /** A graph export's vertices and edges written (GetExportTask exportTaskDetails). */
  verticesWritten: z.number().nonnegative().optional(),
  edgesWritten: z.number().nonnegative().optional(),
});
export type ExportTaskSummary = z.infer<typeof ExportTaskSummary>;

/** Waiting for a free export slot. */
export const QueueState = z.object({
  /** When this export first found the account full. */
  since: z.iso.datetime({ offset: true }),
  attempts: z.number().int().nonnegative(),
  /** True once the queued-too-long alert has been raised (raised once per execution). */
  alerted: z.boolean(),
});
export type QueueState = z.infer<typeof QueueState>;

/** What start-export returns for a task it tracks, whether it started it or found it started. */
const TrackedTask = {
  task: ExportTaskSummary,
  /** Seconds to wait before the first status check, when polling. */
  waitSeconds: z.number().int().positive(),
  /** Seconds to wait for the export-finished event before checking anyway. */
  eventWaitSeconds: z.number().int().positive(),
  queue: QueueState.optional(),
  /** When start-export saw the task (the export waiter counts events after this). */
  checkedAt: z.iso.datetime({ offset: true }),
};

/**
 * `$.start`, with what `endAnnounced` must be: whether the source kind's service announces the end
 * of its exports (the kind's `start`, shared/sources/kinds/types.ts KindStart). The state machine's
 * `Export end announced?` choices read it: true waits for the export-finished event, false polls.
 */
function startResult<A extends z.ZodType<boolean | undefined>>(endAnnounced: A) {
  return z.discriminatedUnion('outcome', [
    z.object({ outcome: z.literal('started'), ...TrackedTask, endAnnounced }),
    /** The identifier was already taken by a task (duplicate event, or a retried execution). */
    z.object({ outcome: z.literal('tracking-existing'), ...TrackedTask, endAnnounced }),
    z.object({
      /** The account runs its limit: the machine waits `waitSeconds` (backoff with jitter) and calls again. */
      outcome: z.literal('queued'),
      waitSeconds: z.number().int().positive(),
      activeExports: z.number().int().nonnegative(),
      queue: QueueState,
      /** True exactly once: when the wait first exceeds limits.queueAlertAfterSeconds. */
      alertDue: z.boolean(),
    }),
  ]);
}

/** Result of functions/start-export, stored at `$.start`: a tracked task always says `endAnnounced`. */
export const StartResult = startResult(z.boolean());
export type StartResult = z.infer<typeof StartResult>;

/** Result of functions/check-export, stored at `$.check`. */
export const CheckResult = z.object({
  task: ExportTaskSummary,
  /** When this check saw the task (the export waiter counts events after this). */
  checkedAt: z.iso.datetime({ offset: true }),
  /** `task.status` when it is one of EXPORT_TASK_STATUSES, else 'UNKNOWN' (the ASL branches on this). */
  status: z.enum([...EXPORT_TASK_STATUSES, 'UNKNOWN']),
  /** Seconds until the next check (adaptive, bounded), when polling. */
  waitSeconds: z.number().int().positive(),
  /** Seconds to wait for the export-finished event before checking anyway (functions/check-export/next-wait.ts). */
  eventWaitSeconds: z.number().int().positive(),
  /** Number of DescribeExportTasks checks so far in this execution. */
  polls: z.number().int().positive(),
  /** First time this execution saw IN_PROGRESS, to estimate the rate from PercentProgress. */
  inProgressSince: z.iso.datetime({ offset: true }).optional(),
  /** PercentProgress seen at `inProgressSince`. */
  inProgressSincePercent: z.number().min(0).max(100).optional(),
  /** Last check that saw STARTING: IN_PROGRESS began after it, which bounds the rate. */
  startingSeenAt: z.iso.datetime({ offset: true }).optional(),
  /** About when tracking began (StartExportTask, or TaskStartTime of a task found already running). */
  trackingSince: z.iso.datetime({ offset: true }).optional(),
});
export type CheckResult = z.infer<typeof CheckResult>;

const TableReason = z.object({ target: z.string(), reason: z.string() });

/**
 * Result of functions/register-export, stored at `$.registration`; the completed notification
 * lists it. Bounded whatever the export holds (shared/contract/payload.ts): the lists hold the first
 * tables, the counts are exact, and `report` is the full report in S3, next to the export.
 */
export const RegistrationResult = z.object({
  /** Glue database the tables were registered in. */
  database: z.string(),
  registered: z.array(
    z.object({
      /** Table as the export names it: `database.schema.table` (PostgreSQL) or `database.table` (MySQL). */
      target: z.string(),
      /** Glue table name (Athena-safe). */
      table: z.string(),
      columns: z.number().int().nonnegative(),
      /** Non-fatal remarks, e.g. files whose schemas disagreed and how that was resolved. */
      notes: z.array(z.string()).optional(),
    }),
  ),
  registeredCount: z.number().int().nonnegative(),
  /** Tables the export itself skipped (WarningMessage and the metadata files), with the reason. */
  skipped: z.array(TableReason),
  skippedCount: z.number().int().nonnegative(),
  /** Tables that could not be registered, with the reason. */
  failed: z.array(TableReason),
  failedCount: z.number().int().nonnegative(),
  /** Export metadata files (or entries) that could not be read; the other tables were still registered. */
  problems: z.array(z.string()).optional(),
  problemsCount: z.number().int().nonnegative().optional(),
  /** s3:// URI of the full report: every table registered, skipped or failed, with reasons. */
  report: z.string().optional(),
  /** Tables whose columns changed since the previous export, one line each (the first that fit). */
  schemaChanges: z.array(z.object({ target: z.string(), change: z.string() })).optional(),
  schemaChangesCount: z.number().int().nonnegative().optional(),
  /** Typed views (`<table>_typed`, `<table>_history_typed`) kept current, and the Glue writes that took. */
  typedViews: z
    .object({ count: z.number().int().nonnegative(), written: z.number().int().nonnegative() })
    .optional(),
  /** Requests the registration made. */
  requests: z.object({ glue: z.number().int().nonnegative(), s3: z.number().int().nonnegative() }).optional(),
});
export type RegistrationResult = z.infer<typeof RegistrationResult>;

/** What a Catch stores at `$.error`. `Cause` is the Lambda's JSON error document as a string. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.string().optional() });
export type CaughtError = z.infer<typeof CaughtError>;

/** The state a task function receives: the job plus what earlier states stored. */
export const ExecutionState = z
  .object({
    ...JobFields,
    /**
     * Without `endAnnounced` too: a running execution keeps the definition it started with
     * (Step Functions API Reference, UpdateStateMachine: "Running executions will continue to use
     * the previous definition"), so one started before start-export recorded it still runs the
     * choices that read `$.source.kind`, and calls today's check-export, register-export and notify
     * with a `$.start` that lacks it.
     */
    start: startResult(z.boolean().optional()).optional(),
    check: CheckResult.optional(),
    registration: RegistrationResult.optional(),
    error: CaughtError.optional(),
    /** How the last wait for a free slot ended: granted by a release, or its timeout (a Catch). */
    slot: z.union([z.object({ granted: z.literal(true), at: z.string() }), CaughtError]).optional(),
    /** Why the completed notification could not be sent (the export itself succeeded). */
    notification: CaughtError.optional(),
  })
  .superRefine(consistentJob);
export type ExecutionState = z.infer<typeof ExecutionState>;

export const NOTIFICATION_KINDS = [
  'started',
  'completed',
  'failed',
  'canceled',
  'queued-too-long',
  'start-failed',
  'check-failed',
  'unknown-status',
  'skipped',
] as const;
export const NotificationKind = z.enum(NOTIFICATION_KINDS);
export type NotificationKind = z.infer<typeof NotificationKind>;

/** Input of functions/notify from the state machine: `{ kind, executionId, state: $ }`. */
export const NotifyInput = z.object({
  kind: NotificationKind,
  executionId: z.string().optional(),
  state: ExecutionState,
});
export type NotifyInput = z.infer<typeof NotifyInput>;

/**
 * Log correlation keys of an execution's task invocation. The execution name is the export task
 * identifier (fixed contract), so it doubles as the execution key.
 */
export function executionKeys(state: {
  exportTaskIdentifier: string;
  source: { snapshotIdentifier?: string | undefined; sourceIdentifier?: string };
}) {
  return {
    exportTaskIdentifier: state.exportTaskIdentifier,
    snapshot: state.source.snapshotIdentifier,
    source: state.source.sourceIdentifier,
    execution: state.exportTaskIdentifier,
  };
}
