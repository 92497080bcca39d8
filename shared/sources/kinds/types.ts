import type { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import type { RDSClient } from '@aws-sdk/client-rds';
import type {
  CheckResult,
  ExecutionState,
  ExportJob,
  ExportTaskSummary,
  SnapshotSource,
  SourceKind,
} from '#shared/contract/execution.ts';
import type { Schedule, ScheduleSelector } from '#shared/policy/schedule.ts';
import type { ExportSettings, Policy } from '#shared/policy/schema.ts';
import type { SlotPool } from '#shared/slots/items.ts';
import type { Exportability } from '#shared/sources/rds/exportability.ts';

/**
 * One source kind (a folder of shared/sources/kinds/, registered in registry/): everything the
 * pipeline does that depends on what it exports. Each capability is its own file of the kind's
 * folder, so a function bundles only the capabilities it uses: start-export the `start`, the
 * commands the `ops`, and so on; a scheduled kind also has a `select` and a `plan` (KindSelect,
 * KindPlan). Callers ask the registry for a capability of `source.kind` and never which kind they
 * hold.
 */
export interface KindModule {
  identity: KindIdentity;
  policy: KindPolicy;
  slots: KindSlots;
  address: KindAddress;
  start: KindStart;
  track: KindTrack;
  notify: KindNotify;
  ops: KindOps;
  register: KindRegister;
}

/**
 * What the policy and the identifiers need of a source of the kind (shared/policy/decide.ts): its
 * names, whether it can be exported, and the exact start request with its limits.
 */
export interface KindIdentity {
  /** The names a rule's `identifier` glob matches. */
  identifiers(source: SnapshotSource): string[];
  /** The readable part of its export identifier, when its ARN holds no name. */
  readableName(source: Pick<SnapshotSource, 'sourceIdentifier'>): string | undefined;
  /** Whether its service can export it now, later (`wait`) or never (with the reason). */
  exportability(source: SnapshotSource): Exportability;
  /** Why a rule's export settings cannot apply to the kind (the skip's reason, alerted), if they cannot. */
  unsupported(settings: ExportSettings): string | undefined;
  /** The export role: the setting, else the deployment's for the kind, and where that one comes from. */
  role(settings: ExportSettings, destination: DestinationDefaults | undefined): string | undefined;
  roleSetting: string;
  /** The exact start request of an export (shared/contract/execution.ts validates it). */
  request(args: StartRequestArgs): Record<string, unknown>;
  /** The pool's limit when the policy gives none (and the kind's own setting, if any). */
  maxConcurrentExports(settings: ExportSettings): number;
  /** How `rds-export plan` labels the source (`Snapshot:`) and names its start API. */
  label: string;
  api: string;
  /** What an export of the source costs, as `rds-export plan` estimates it. */
  estimate(source: SnapshotSource): string;
}

/** The deployment's destination defaults (EXPORT_BUCKET, EXPORT_ROLE_ARN, GRAPH_EXPORT_ROLE_ARN, …). */
export interface DestinationDefaults {
  role?: string | undefined;
  graphRole?: string | undefined;
}

export interface StartRequestArgs {
  id: string;
  source: SnapshotSource;
  bucket: string;
  prefix: string;
  role: string;
  kmsKey: string;
  settings: ExportSettings;
}

/**
 * What the export policy's schema refuses of a rule or a schedule for the kind (shared/policy/schema.ts,
 * shared/policy/schedule.ts), when the policy loads: settings that would silently do nothing.
 */
export interface KindPolicy {
  /**
   * Export settings only the kind takes: a rule that sets one must name, in `match.kind`, only
   * kinds that take it (a rule for every kind would ignore it for the others).
   */
  ownSettings: readonly (keyof ExportSettings)[];
  /** Export settings a rule that names the kind may not set, each with why (and what to set instead). */
  refusedSettings: Partial<Record<keyof ExportSettings, string>>;
  /** Fields of a schedule's selector a schedule of the kind may not use, each with why. */
  refusedSelectors: Partial<Record<keyof ScheduleSelector, string>>;
}

/**
 * The export slots of the kind (shared/slots): the pool an export of the kind takes a slot of, and
 * the pool's running tasks as its service counts them (what a release reconciles the leases with).
 * Not the identity's: this count calls the service, and the IAM derived from imports
 * (test/deploy/sdk-calls.ts) would give that call to every function that names a source.
 */
export interface KindSlots {
  pool: SlotPool;
  /** The pool's active tasks, by the names their leases have (shared/slots/semaphore.ts ActiveTasks). */
  active(clients: Partial<KindClients>): Promise<{ count: number; identifiers: string[] }>;
}

/** An export's folder: `s3://<bucket>/<prefix>`, the prefix ending in `<export id>/`. */
export type ExportRoot = { bucket: string; prefix: string };

/** The destination members of the start requests: RDS's (snapshots, clusters) or Neptune Analytics'. */
export type StartedRequest =
  | { S3BucketName: string; S3Prefix?: string | undefined }
  | { destination: string };

/** Where an export of the kind writes (shared/exports/address.ts: the ledger's record, prune's check). */
export interface KindAddress {
  /**
   * The folder an export was started with, read from its start request (the kind's own: the
   * execution input's contract ties the request to the kind).
   */
  root(exportTaskIdentifier: string, request: StartedRequest): ExportRoot;
}

/**
 * How a scheduled kind's sources are selected at a schedule slot (functions/on-schedule): the
 * sources of the account the schedule's selector matches, with their tags. Snapshots come from
 * events, not schedules, and select nothing.
 */
export interface KindSelect {
  select(
    clients: Partial<KindClients>,
    schedule: Schedule,
    scheduledTime: string,
    policy: Pick<Policy, 'rules'>,
  ): Promise<ScheduledSource[]>;
}

/** A source a schedule's slot decides on, with its tags (a live cluster or a graph). */
export interface ScheduledSource {
  source: SnapshotSource;
  tags: Record<string, string>;
}

/**
 * What `rds-export plan --schedule` needs of a scheduled kind (bin/plan.ts): the option that gives
 * one source's describe output (`--cluster`, `--graph`), reading that file offline, and listing
 * every source the schedule selects.
 */
export interface KindPlan {
  /** The option of a file holding one source, which is also how messages name one source. */
  option: string;
  /** The sources, as messages name several (`clusters`, `graphs`). */
  plural: string;
  /** What the selector selects by, as the reason it does not select a source names it. */
  criteria: string;
  /** The option's help, one line each. */
  help: readonly string[];
  /** The describe outputs' list keys (`DBClusters`): the file may hold a list of exactly one. */
  listKeys: readonly string[];
  /** What the file must be when it is no object (`a DBCluster object`). */
  notAnObject: string;
  /**
   * The file's source as the schedule's slot at `at` sees it, and whether the schedule's selector
   * names it; throws (InvalidInputError) for a file that does not describe one.
   */
  fromFile(
    item: Record<string, unknown>,
    schedule: Schedule,
    at: string,
  ): { one: ScheduledSource; selected: boolean };
  /** Every source of the account and Region the schedule selects, with its tags (through the SDK). */
  all(clients: Partial<KindClients>, schedule: Schedule, at: string): Promise<ScheduledSource[]>;
}

/** The service clients a kind may use; each kind takes the ones it needs. */
export interface KindClients {
  rds: Pick<RDSClient, 'send'>;
  graphs: Pick<NeptuneGraphClient, 'send'>;
}

/** How an export of the kind starts (functions/start-export); the slots, queue and backoff are start.ts's. */
export interface KindStart {
  service(clients: KindClients): ExportService;
  /**
   * Whether the kind's service announces the end of its exports with events the waits function
   * receives (functions/waits: RDS's export-finished events, which wake the waiter of the
   * request's `SourceArn`). start-export records it in what it returns (`$.start.endAnnounced`),
   * and the state machine's `Export end announced?` choices read it: true waits for the event
   * (`Wait for the export to end`, whose timeout checks anyway), false polls with check-export's
   * adaptive wait. False is always safe: check-export reads every kind's task.
   */
  endAnnounced: boolean;
}

/**
 * The service an export is started with: the tasks that hold a slot of its pool, and the start
 * request itself.
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

/** How check-export reads an export's task, found again by what the start recorded. */
export interface KindTrack {
  reader(state: ExecutionState, clients: Partial<KindClients>): TaskReader;
}

/**
 * An export's task as its service reports it. Each kind maps its service's statuses onto the
 * machine's (CheckResult), so the adaptive wait, the branches and the notifications are one for
 * every source.
 */
export interface TaskReader {
  /** What the service calls the task. */
  id: string;
  /** The task now; undefined when the service does not list it (yet). */
  describe(): Promise<ExportTaskSummary | undefined>;
  /** What a task not listed yet is taken for: it was accepted moments ago, so it is just starting. */
  starting: ExportTaskSummary;
  status(task: ExportTaskSummary): MachineStatus;
}

/** The task statuses the state machine branches on (RDS's names), or UNKNOWN. */
export type MachineStatus = CheckResult['status'];

/** What notify says of an export of the kind, beside what it says of every export. */
export interface KindNotify {
  /** The service that runs the export, as messages name it. */
  service: string;
  /** What the notifications' details add for the kind. */
  details(state: ExecutionState, task: ExportTaskSummary | undefined): Record<string, string | number>;
  /** Where the export writes, as an s3:// URI. */
  destination(state: ExecutionState, task: ExportTaskSummary | undefined): string;
  /** Why and what to do when the service reports a status the pipeline does not know. */
  unknownStatus(state: ExecutionState, status: string): { cause: string; fix: string };
  /** Why and what to do when the export waited long for a slot of its pool. */
  queuedTooLong(state: ExecutionState, active: number | undefined): { cause: string; fix: string };
  /** The fix for an error name, in the job's own names; undefined for a name nobody classified. */
  remedy(errorName: string, job: ExportJob, message: string): string | undefined;
  /** The failed task's cause matched to what to fix. */
  explainFailure(cause: string | undefined, job: ExportJob): FailureExplanation;
}

export interface FailureExplanation {
  /** Id of the documented message (or usual cause) that matched, absent when none did. */
  matched?: string;
  fix: string;
}

/** What the commands read of an export to find its task: the execution's job, where there is one. */
export interface KnownJob {
  exportTaskIdentifier: string;
  source: { kind: string; arn?: string | undefined; sourceIdentifier: string };
  request: { graphIdentifier?: string | undefined; destination?: string | undefined };
}

/** What the commands (bin/ops) hand a kind: the deployment's clients and Region. */
export interface OpsContext {
  clients: KindClients;
  deployment: { region: string };
}

/** What retry dispatches for a source: as its service describes it now, and what the policy needs besides. */
export interface CurrentSource {
  source: SnapshotSource;
  tags: Record<string, string>;
  /** The snapshot a retry names in its decision, when it exports one. */
  snapshot?: string;
  /** Who exports it, when the deployment's outputs do not say (a graph's role). */
  destination?: { graphRole?: string };
}

/** What the rds-export commands (cancel, retry, status, list) need of an export of the kind. */
export interface KindOps {
  /**
   * The export's task as its service reports it now; undefined when it has none (yet). `recorded`
   * is the task the execution last saw, when the caller read it.
   */
  task(
    ctx: OpsContext,
    id: string,
    job: KnownJob | undefined,
    recorded?: ExportTaskSummary,
  ): Promise<ExportTaskSummary | undefined>;
  /** The task's status in the machine's words (what check-export maps it to). */
  machineStatus(status: string): MachineStatus;
  /** Sends CancelExportTask: the status it answers, or `not-running` when it refuses an ended task. */
  cancel(ctx: OpsContext, task: ExportTaskSummary): Promise<{ status: string } | 'not-running'>;
  /**
   * For retry: the source as its service describes it now (it must still be the one exported), or
   * why it cannot be exported again (`gone`).
   */
  current(ctx: OpsContext, job: ExportJob): Promise<CurrentSource | { gone: string }>;
  /** For retry: tells whether a task of the service already holds an identifier. */
  taken(ctx: OpsContext, job: ExportJob): Promise<(id: string) => Promise<boolean>>;
}

/**
 * The slice of an execution's state register-export reads once check-export reported the export
 * COMPLETE (functions/register-export/input.ts validates it): the request as each kind's start sent it.
 */
export interface RegisterJob {
  exportTaskIdentifier: string;
  rule?: string | undefined;
  source: {
    kind: SourceKind;
    sourceIdentifier: string;
    engine: string;
    snapshotIdentifier?: string | undefined;
    scheduledTime?: string | undefined;
  };
  request:
    | { S3BucketName: string; S3Prefix?: string | undefined }
    | { destination: string; format: 'PARQUET' | 'CSV' };
  check: {
    task: {
      s3Bucket?: string | undefined;
      s3Prefix?: string | undefined;
      snapshotTime?: string | undefined;
      warningMessage?: string | undefined;
    };
  };
}

/** What RDS's registration reads of an export (a folder of Parquet files per table, and RDS's metadata files). */
export interface RdsRegistration {
  bucket: string;
  prefix?: string | undefined;
  exportTaskIdentifier: string;
  snapshotTime?: string | undefined;
  warningMessage?: string | undefined;
  sourceIdentifier: string;
  /** db-snapshot, cluster-snapshot, ...: part of the database name (one database per source). */
  sourceKind: string;
  engine: string;
  /** The export policy rule the export ran under (recorded on its partitions for retention). */
  rule?: string;
}

/** What a Neptune Analytics export's registration reads (its files, grouped by the label they hold). */
export interface GraphRegistration {
  bucket: string;
  /** The destination's path: `<prefix>/<export name>` (everything below it is this export's). */
  prefix: string;
  exportTaskIdentifier: string;
  snapshotTime: string;
  /** The graph's name: its database is `<prefix>graph_<name>`. */
  sourceIdentifier: string;
  format: 'PARQUET' | 'CSV';
  rule?: string;
}

/**
 * The registrations register-export runs (functions/register-export: register.ts and
 * graph-register.ts), handed to the kind: shared/ does not import the functions, so the kind names
 * which one reads its exports and with what, and the function runs it.
 */
export interface Registrations<R> {
  rds(input: RdsRegistration): R;
  graph(input: GraphRegistration): R;
}

/** How register-export registers what an export of the kind wrote. */
export interface KindRegister {
  /** The kind's registration of the export, given its state. */
  register<R>(job: RegisterJob, registrations: Registrations<R>): R;
}
