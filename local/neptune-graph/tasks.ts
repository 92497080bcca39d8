import { randomBytes } from 'node:crypto';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ExportFilter } from '#shared/sources/graph/request.ts';
import { parseS3Uri } from '#shared/sources/graph/request.ts';
import type { SimulatedClock } from '../runtime/clock.ts';
import { writeGraphExport } from './export-files.ts';
import { convert, planExport } from './export-plan.ts';
import type { LocalGraphs } from './graphs.ts';
import type { PropertyGraph } from './property-graph.ts';

/** An export task as GetExportTask returns it (API member names; exportTaskDetails kept apart). */
export interface GraphTaskRecord {
  graphId: string;
  roleArn: string;
  taskId: string;
  status: 'INITIALIZING' | 'EXPORTING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLING' | 'CANCELLED' | 'DELETED';
  format: 'PARQUET' | 'CSV';
  destination: string;
  kmsKeyIdentifier: string;
  parquetType?: string;
  statusReason?: string;
  exportFilter?: ExportFilter;
  startTime: Date;
  endTime?: Date;
  progressPercentage: number;
  numVerticesWritten?: number;
  numEdgesWritten?: number;
}

/** A fault the endpoint answers with: the REST-JSON error type, its HTTP status and message. */
export class GraphFault extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'GraphFault';
  }
}

export const graphFault = {
  validation: (message: string) => new GraphFault('ValidationException', 400, message, 'BAD_REQUEST'),
  notFound: (message: string) => new GraphFault('ResourceNotFoundException', 404, message),
  conflict: (message: string) => new GraphFault('ConflictException', 409, message, 'CONCURRENT_MODIFICATION'),
  quota: (message: string) => new GraphFault('ServiceQuotaExceededException', 402, message),
  throttling: () => new GraphFault('ThrottlingException', 429, 'Rate exceeded'),
};

export interface GraphTaskDurations {
  initializing: number;
  exporting: number;
}

export interface GraphTaskOptions {
  s3: S3Client;
  clock: SimulatedClock;
  graphs: LocalGraphs;
  /** Roles Neptune Analytics can assume, keys it may use: any other fails the task, as on AWS. */
  roles: ReadonlySet<string>;
  kmsKeys: ReadonlySet<string>;
  durations: (task: GraphTaskRecord) => GraphTaskDurations;
  /** Graph id → statusReason: exports of these graphs end FAILED once EXPORTING. */
  failures?: ReadonlyMap<string, string>;
  /** The service's own limit on exports at once (undocumented on AWS; the local stack picks one). */
  maxActive?: number;
}

const ACTIVE = new Set(['INITIALIZING', 'EXPORTING', 'CANCELLING']);
const RUNNING = new Set(['INITIALIZING', 'EXPORTING']);
const CANCELLING_SECONDS = 30;
const GRAPH_ID = /^g-[a-z0-9]{10}$/;

const taskId = () =>
  `t-${[...randomBytes(10)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('')}`;

/** The account's graph export tasks: INITIALIZING → EXPORTING → SUCCEEDED / FAILED, CANCELLING → CANCELLED. */
export class GraphExportTasks {
  readonly tasks = new Map<string, GraphTaskRecord>();
  readonly #stops = new Map<string, AbortController>();
  readonly #running = new Set<Promise<void>>();
  #closed = false;
  /** Starts the endpoint refused with a quota or conflict fault. */
  refusals = 0;

  constructor(private readonly options: GraphTaskOptions) {}

  active(): number {
    return [...this.tasks.values()].filter((t) => ACTIVE.has(t.status)).length;
  }

  start(req: Record<string, unknown>): GraphTaskRecord {
    for (const name of ['graphIdentifier', 'roleArn', 'format', 'destination', 'kmsKeyIdentifier']) {
      if (typeof req[name] !== 'string' || req[name] === '')
        throw graphFault.validation(`${name} is required`);
    }
    const graphId = String(req.graphIdentifier);
    if (!GRAPH_ID.test(graphId))
      throw graphFault.validation(`graphIdentifier ${graphId} is not a graph identifier`);
    const graph = this.options.graphs.find(graphId);
    if (!graph) throw graphFault.notFound(`Graph ${graphId} not found`);
    if (graph.status !== 'AVAILABLE')
      throw graphFault.conflict(`Graph ${graphId} is ${graph.status}, not AVAILABLE`);
    const format = String(req.format);
    if (format !== 'PARQUET' && format !== 'CSV')
      throw graphFault.validation(`format ${format} is not PARQUET or CSV`);
    const filter = req.exportFilter as ExportFilter | undefined;
    for (const element of [
      ...Object.values(filter?.vertexFilter ?? {}),
      ...Object.values(filter?.edgeFilter ?? {}),
    ]) {
      for (const attributes of Object.values(element.properties ?? {})) {
        if (attributes.outputType === undefined) continue;
        try {
          convert({ type: 'String', value: '0' }, attributes.outputType);
        } catch (error) {
          throw graphFault.validation((error as Error).message);
        }
      }
    }
    if ([...this.tasks.values()].some((t) => t.graphId === graphId && ACTIVE.has(t.status))) {
      this.refusals++;
      throw graphFault.conflict(`An export task is already running for graph ${graphId}`);
    }
    if (this.active() >= (this.options.maxActive ?? 5)) {
      this.refusals++;
      throw graphFault.quota('The number of concurrent export tasks exceeds the limit for this account');
    }
    const task: GraphTaskRecord = {
      graphId,
      roleArn: String(req.roleArn),
      taskId: taskId(),
      status: 'INITIALIZING',
      format,
      destination: String(req.destination),
      kmsKeyIdentifier: String(req.kmsKeyIdentifier),
      ...(typeof req.parquetType === 'string' ? { parquetType: req.parquetType } : {}),
      ...(filter === undefined ? {} : { exportFilter: filter }),
      startTime: new Date(this.options.clock.now()),
      progressPercentage: 0,
    };
    this.tasks.set(task.taskId, task);
    this.#stops.set(task.taskId, new AbortController());
    // "A clone of your graph is created to process the export request" (Exporting data): the
    // export holds the graph as it is now, whatever changes while it runs.
    const run = this.#run(task, structuredClone(graph.data)).finally(() => this.#running.delete(run));
    this.#running.add(run);
    return { ...task };
  }

  get(id: string): GraphTaskRecord {
    const task = this.tasks.get(id);
    if (!task) throw graphFault.notFound(`Export task ${id} not found`);
    return task;
  }

  cancel(id: string): GraphTaskRecord {
    const task = this.get(id);
    if (!RUNNING.has(task.status)) throw graphFault.conflict(`Export task ${id} is ${task.status}`);
    task.status = 'CANCELLING';
    this.#stops.get(id)?.abort();
    return { ...task };
  }

  /** The graph was deleted: its running exports end DELETED. */
  graphDeleted(graphId: string): void {
    for (const task of this.tasks.values()) {
      if (task.graphId !== graphId || !ACTIVE.has(task.status)) continue;
      this.#end(task, 'DELETED', { statusReason: `Graph ${graphId} was deleted` });
      this.#stops.get(task.taskId)?.abort();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const controller of this.#stops.values()) controller.abort();
    await Promise.allSettled([...this.#running]);
  }

  /** Why Neptune Analytics could not write the export as the task asks, if it could not. */
  async #problem(task: GraphTaskRecord): Promise<string | undefined> {
    if (!this.options.roles.has(task.roleArn)) {
      return `Unable to assume role ${task.roleArn}: check that it trusts neptune-graph.amazonaws.com.`;
    }
    if (!this.options.kmsKeys.has(task.kmsKeyIdentifier)) {
      return `Access denied to KMS key ${task.kmsKeyIdentifier} for role ${task.roleArn}.`;
    }
    const { bucket } = parseS3Uri(task.destination);
    try {
      await this.options.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      return `The destination bucket ${bucket} does not exist or is not accessible with role ${task.roleArn}.`;
    }
    return this.options.failures?.get(task.graphId);
  }

  async #run(task: GraphTaskRecord, data: PropertyGraph): Promise<void> {
    const { clock } = this.options;
    const durations = this.options.durations(task);
    const { signal } = this.#stops.get(task.taskId) ?? new AbortController();
    try {
      await clock.sleep(durations.initializing, signal);
      if (this.#stop(task)) return;
      task.status = 'EXPORTING';
      const since = clock.now();
      const ticker = setInterval(
        () => {
          const share = (clock.now() - since) / 1000 / durations.exporting;
          if (task.status === 'EXPORTING') task.progressPercentage = Math.min(99, Math.floor(share * 100));
        },
        clock.realMs(durations.exporting / 50),
      );
      try {
        const problem = await this.#problem(task);
        const { bucket, prefix } = parseS3Uri(task.destination);
        const root = `${prefix === '' ? '' : `${prefix}/`}${task.taskId}/`;
        const written = problem
          ? undefined
          : await writeGraphExport(
              this.options.s3,
              bucket,
              root,
              planExport(data, task.exportFilter),
              task.format,
            );
        const remaining = durations.exporting - (clock.now() - since) / 1000;
        await clock.sleep(Math.max(0, problem ? remaining / 2 : remaining), signal);
        if (this.#stop(task)) return;
        if (!written) {
          this.#end(task, 'FAILED', { statusReason: problem ?? 'Internal error' });
          return;
        }
        this.#end(task, 'SUCCEEDED', {
          progressPercentage: 100,
          numVerticesWritten: written.vertices,
          numEdgesWritten: written.edges,
        });
      } finally {
        clearInterval(ticker);
      }
    } catch (error) {
      if (this.#closed || task.status === 'DELETED') return;
      this.#end(task, 'FAILED', { statusReason: `Internal error (${(error as Error).message})` });
    }
  }

  #stop(task: GraphTaskRecord): boolean {
    if (this.#closed || task.status === 'DELETED') return true;
    if (task.status !== 'CANCELLING') return false;
    void this.options.clock.sleep(CANCELLING_SECONDS).then(() => this.#end(task, 'CANCELLED', {}));
    return true;
  }

  #end(task: GraphTaskRecord, status: GraphTaskRecord['status'], extra: Partial<GraphTaskRecord>): void {
    Object.assign(task, extra, { status, endTime: new Date(this.options.clock.now()) });
  }
}

/** A task as GetExportTask returns it (timestamps as epoch seconds, REST-JSON's default). */
export function describeGraphTask(t: GraphTaskRecord, details: boolean) {
  const end = t.endTime ?? new Date();
  return {
    graphId: t.graphId,
    roleArn: t.roleArn,
    taskId: t.taskId,
    status: t.status,
    format: t.format,
    destination: t.destination,
    kmsKeyIdentifier: t.kmsKeyIdentifier,
    ...(t.parquetType === undefined ? {} : { parquetType: t.parquetType }),
    ...(t.statusReason === undefined ? {} : { statusReason: t.statusReason }),
    ...(details
      ? {
          ...(t.exportFilter === undefined ? {} : { exportFilter: t.exportFilter }),
          exportTaskDetails: {
            startTime: t.startTime.getTime() / 1000,
            timeElapsedSeconds: Math.max(0, Math.round((end.getTime() - t.startTime.getTime()) / 1000)),
            progressPercentage: t.progressPercentage,
            ...(t.numVerticesWritten === undefined ? {} : { numVerticesWritten: t.numVerticesWritten }),
            ...(t.numEdgesWritten === undefined ? {} : { numEdgesWritten: t.numEdgesWritten }),
          },
        }
      : {}),
  };
}
