import type { S3Client } from '@aws-sdk/client-s3';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { SimulatedClock } from '../runtime/clock.ts';
import type { LiveClusters } from './clusters.ts';
import { writeExportData } from './export-writer.ts';
import { fault } from './faults.ts';
import { writeMetadataFiles } from './metadata-files.ts';
import { type DatabaseSnapshot, takeSnapshot } from './snapshot-tables.ts';
import type { SnapshotStore } from './snapshots.ts';
import { validateExportOnly, validateIdentifier } from './validation.ts';

/** An ExportTask as DescribeExportTasks returns it (API shape and member names). */
export interface ExportTaskRecord {
  ExportTaskIdentifier: string;
  SourceArn: string;
  ExportOnly?: string[];
  SnapshotTime: Date;
  TaskStartTime: Date;
  TaskEndTime?: Date;
  S3Bucket: string;
  S3Prefix?: string;
  IamRoleArn: string;
  KmsKeyId: string;
  Status: 'STARTING' | 'IN_PROGRESS' | 'COMPLETE' | 'FAILED' | 'CANCELING' | 'CANCELED';
  PercentProgress: number;
  TotalExtractedDataInGB: number;
  FailureCause?: string;
  WarningMessage?: string;
  SourceType: 'SNAPSHOT' | 'CLUSTER';
}

export type StartRequest = Record<string, unknown>;

/** Simulated durations of one task, in seconds. */
export interface TaskDurations {
  starting: number;
  inProgress: number;
}

export interface ExportTaskOptions {
  s3: S3Client;
  clock: SimulatedClock;
  snapshots: SnapshotStore;
  /** Live clusters: an export of one clones it when the task leaves STARTING (Aurora guide). */
  clusters?: LiveClusters;
  /** Role ARNs that exist; roles in `rolesMissingPermissions` exist but cannot write the bucket. */
  roles: ReadonlySet<string>;
  rolesMissingPermissions?: ReadonlySet<string>;
  kmsKeys: ReadonlySet<string>;
  durations: (task: ExportTaskRecord) => TaskDurations;
  /** Snapshot ARNs whose exports end FAILED with this cause once IN_PROGRESS (failure injection). */
  failures?: ReadonlyMap<string, string>;
  maxActive?: number;
  /** Called when a task ends (COMPLETE, FAILED, CANCELED): RDS announces it as an event. */
  onEnded?: (task: Readonly<ExportTaskRecord>) => void;
}

const ACTIVE = new Set(['STARTING', 'IN_PROGRESS', 'CANCELING']);

type ExportSource =
  | {
      kind: 'db-snapshot' | 'cluster-snapshot';
      database: string;
      family: DatabaseSnapshot['family'];
      data: DatabaseSnapshot;
    }
  | {
      kind: 'cluster';
      database: string;
      family: DatabaseSnapshot['family'];
      data?: undefined;
      capture: () => Promise<DatabaseSnapshot>;
    };
const CANCELING_SECONDS = 30;

/** The account's export tasks and their lifecycle (STARTING → IN_PROGRESS → COMPLETE / FAILED / CANCELED). */
export class ExportTasks {
  readonly tasks = new Map<string, ExportTaskRecord>();
  readonly #cancelRequested = new Map<string, AbortController>();
  readonly #running = new Set<Promise<void>>();
  #closed = false;
  /** Highest number of STARTING + IN_PROGRESS + CANCELING tasks seen at once. */
  maxActiveSeen = 0;
  /** DescribeExportTasks calls that named the task and found it. */
  readonly statusChecks = new Map<string, number>();
  /** When a DescribeExportTasks call naming the task first returned it ended (simulated ms). */
  readonly noticedAt = new Map<string, number>();
  /** StartExportTask calls refused because 5 tasks were already running. */
  quotaRejections = 0;

  constructor(private readonly options: ExportTaskOptions) {}

  active(): number {
    return [...this.tasks.values()].filter((t) => ACTIVE.has(t.Status)).length;
  }

  async start(req: StartRequest): Promise<ExportTaskRecord> {
    for (const name of ['ExportTaskIdentifier', 'SourceArn', 'S3BucketName', 'IamRoleArn', 'KmsKeyId']) {
      if (typeof req[name] !== 'string' || req[name] === '') throw fault.missingParameter(name);
    }
    const id = req.ExportTaskIdentifier as string;
    const sourceArn = req.SourceArn as string;
    const bucket = req.S3BucketName as string;
    const role = req.IamRoleArn as string;
    const key = req.KmsKeyId as string;
    validateIdentifier(id);
    if (this.tasks.has(id)) throw fault.alreadyExists(id);
    const source = this.#source(sourceArn);
    const exportOnly = (req.ExportOnly as string[] | undefined) ?? [];
    validateExportOnly(exportOnly, source.database, source.family);
    if (!this.options.roles.has(role)) throw fault.roleNotFound(role);
    if (this.options.rolesMissingPermissions?.has(role)) throw fault.roleMissingPermissions(role);
    if (!this.options.kmsKeys.has(key)) throw fault.kmsNotAccessible(key);
    try {
      await this.options.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      throw fault.invalidBucket(bucket);
    }
    const busy = [...this.tasks.values()].some((t) => t.SourceArn === sourceArn && ACTIVE.has(t.Status));
    if (busy) throw fault.sourceBusy(sourceArn);
    if (this.active() >= (this.options.maxActive ?? 5)) {
      this.quotaRejections++;
      throw fault.quota();
    }
    const task: ExportTaskRecord = {
      ExportTaskIdentifier: id,
      SourceArn: sourceArn,
      ...(exportOnly.length > 0 ? { ExportOnly: exportOnly } : {}),
      SnapshotTime: source.data?.takenAt ?? new Date(this.options.clock.now()),
      TaskStartTime: new Date(this.options.clock.now()),
      S3Bucket: bucket,
      ...(typeof req.S3Prefix === 'string' ? { S3Prefix: req.S3Prefix } : {}),
      IamRoleArn: role,
      KmsKeyId: key,
      Status: 'STARTING',
      PercentProgress: 0,
      TotalExtractedDataInGB: 0,
      SourceType: source.kind === 'db-snapshot' ? 'SNAPSHOT' : 'CLUSTER',
    };
    this.tasks.set(id, task);
    this.#cancelRequested.set(id, new AbortController());
    this.maxActiveSeen = Math.max(this.maxActiveSeen, this.active());
    const run = this.#run(task, source).finally(() => this.#running.delete(run));
    this.#running.add(run);
    return { ...task };
  }

  cancel(id: string): ExportTaskRecord {
    const task = this.tasks.get(id);
    if (!task) throw fault.taskNotFound(id);
    if (!ACTIVE.has(task.Status) || task.Status === 'CANCELING')
      throw fault.invalidTaskState(id, task.Status);
    task.Status = 'CANCELING';
    this.#cancelRequested.get(id)?.abort();
    return { ...task };
  }

  /**
   * What an ARN exports: a snapshot's data, taken when it was created, or a live cluster's, taken
   * when the task leaves STARTING ("The export task first clones and scales the entire database
   * before extracting the data": Aurora User Guide, Creating DB cluster export tasks).
   */
  #source(arn: string): ExportSource {
    if (/^arn:[^:]+:rds:[^:]*:[^:]*:cluster:/.test(arn) && this.options.clusters) {
      const cluster = this.options.clusters.byArn(arn);
      return {
        kind: 'cluster',
        database: cluster.db.name,
        family: cluster.db.family,
        capture: () => takeSnapshot(cluster.db),
      };
    }
    const snapshot = this.options.snapshots.bySourceArn(arn);
    return {
      kind: snapshot.kind,
      database: snapshot.data.database,
      family: snapshot.data.family,
      data: snapshot.data,
    };
  }

  /** Stops every lifecycle; tasks still running stay as they are. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const controller of this.#cancelRequested.values()) controller.abort();
    await Promise.allSettled([...this.#running]);
  }

  async #run(task: ExportTaskRecord, source: ExportSource): Promise<void> {
    const { clock } = this.options;
    const durations = this.options.durations(task);
    const { signal } = this.#cancelRequested.get(task.ExportTaskIdentifier) ?? new AbortController();
    try {
      await clock.sleep(durations.starting, signal);
      if (this.#stop(task)) return;
      // A live cluster's export holds its data as of the clone, taken as STARTING ends.
      const data = source.data ?? (await source.capture());
      task.SnapshotTime = data.takenAt;
      task.Status = 'IN_PROGRESS';
      const inProgressSince = clock.now();
      const progress = setInterval(
        () => {
          const fraction = (clock.now() - inProgressSince) / 1000 / durations.inProgress;
          if (task.Status === 'IN_PROGRESS') task.PercentProgress = Math.min(99, Math.floor(fraction * 100));
        },
        clock.realMs(durations.inProgress / 50),
      );
      try {
        const failure = this.options.failures?.get(task.SourceArn);
        const written = failure
          ? undefined
          : await writeExportData(this.options.s3, data, {
              exportTaskIdentifier: task.ExportTaskIdentifier,
              bucket: task.S3Bucket,
              prefix: task.S3Prefix ?? '',
              exportOnly: task.ExportOnly ?? [],
            });
        const remaining = durations.inProgress - (clock.now() - inProgressSince) / 1000;
        await clock.sleep(Math.max(0, failure ? remaining / 2 : remaining), signal);
        if (this.#stop(task)) return;
        if (failure || !written) {
          this.#end(task, 'FAILED', { FailureCause: failure ?? 'An unknown internal error occurred.' });
          return;
        }
        task.TotalExtractedDataInGB = Math.round(written.totalBytes / 1024 ** 3);
        if (written.warningMessage) task.WarningMessage = written.warningMessage;
        // The metadata files exist before anyone can see COMPLETE (registration reads them at once).
        const end = new Date(clock.now());
        await writeMetadataFiles(
          this.options.s3,
          { ...task, Status: 'COMPLETE', PercentProgress: 100, TaskEndTime: end },
          written.tables,
        );
        Object.assign(task, { Status: 'COMPLETE', PercentProgress: 100, TaskEndTime: end });
        this.options.onEnded?.(task);
      } finally {
        clearInterval(progress);
      }
    } catch (error) {
      if (this.#closed) return;
      this.#end(task, 'FAILED', {
        FailureCause: `An unknown internal error occurred. (${error instanceof Error ? error.message : String(error)})`,
      });
    }
  }

  /** True when the lifecycle must stop: the stack closed, or a cancel was requested (→ CANCELED). */
  #stop(task: ExportTaskRecord): boolean {
    if (this.#closed) return true;
    if (task.Status !== 'CANCELING') return false;
    void this.options.clock.sleep(CANCELING_SECONDS).then(() => this.#end(task, 'CANCELED', {}));
    return true;
  }

  #end(task: ExportTaskRecord, status: 'FAILED' | 'CANCELED', extra: Partial<ExportTaskRecord>): void {
    Object.assign(task, extra, { Status: status, TaskEndTime: new Date(this.options.clock.now()) });
    this.options.onEnded?.(task);
  }
}
