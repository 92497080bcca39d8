import './runtime/polyfills.ts';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { memberStackNames, regionalBucketName } from '#shared/aws/accounts.ts';
import { idsOf, SNAPSHOT_READY_EVENTS } from '#shared/sources/rds/events.ts';
import { startLocalCloudFormation } from './cloudformation/server.ts';
import { type EngineFamily, loadSampleData, openDatabase, type SourceDatabase } from './databases/open.ts';
import { type LocalDynamoDb, startLocalDynamoDb } from './dynamodb/server.ts';
import {
  type EventFaults,
  exportEndedEvent,
  LocalEventBus,
  NO_EVENT_FAULTS,
} from './eventbridge/delivery.ts';
import { GlueCatalog, startLocalGlue } from './glue/server.ts';
import { LocalGraphs } from './neptune-graph/graphs.ts';
import { type LocalNeptuneGraph, startLocalNeptuneGraph } from './neptune-graph/server.ts';
import { GraphExportTasks, type GraphTaskDurations, type GraphTaskRecord } from './neptune-graph/tasks.ts';
import type { LocalServer } from './protocol/http.ts';
import type { JsonServer } from './protocol/json.ts';
import { requestLogger } from './protocol/request-log.ts';
import { LiveClusters } from './rds/clusters.ts';
import { type LocalRds, type RdsAccount, startLocalRds } from './rds/server.ts';
import { SnapshotStore, type StoredSnapshot } from './rds/snapshots.ts';
import { type ExportTaskRecord, ExportTasks, type TaskDurations } from './rds/tasks.ts';
import { installSimulatedClock, type SimulatedClock } from './runtime/clock.ts';
import type { LambdaHandler } from './runtime/lambda-context.ts';
import { invokeLocal } from './runtime/lambda-context.ts';
import { LOCAL_CREDENTIALS, type LocalS3, startLocalS3 } from './s3/server.ts';
import { TaskTokens } from './sfn/callbacks.ts';
import { type LocalSfn, startLocalSfn } from './sfn/server.ts';
import { type LocalSns, startLocalSns } from './sns/server.ts';
import { AccountCredentials, type LocalSts, signingRegionOf, startLocalSts } from './sts/server.ts';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const BUCKET = 'local-rds-exports';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/rds-s3-export-role`;
export const KMS_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f0e0d0c-0b0a-4908-8706-050403020100`;
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:rds-export-notifications`;
export const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:rds-export`;
/**
 * The state machine's role, as DescribeStateMachine names it. serverless-step-functions declares it
 * as `ExportStateMachineRole` with no RoleName, so CloudFormation generates its name; this one
 * stands in for it (IAM is not simulated).
 */
export const STATE_MACHINE_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/rds-export-local-ExportStateMachineRole-LOCAL`;
export const EXPORTS_TABLE = 'rds-export-local-exports';
/** The role Neptune Analytics assumes to write graph exports (it trusts neptune-graph.amazonaws.com). */
export const GRAPH_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/neptune-graph-s3-export-role`;
/** The local deployment's stage: the rds-export CLI finds it as the stack `rds-export-local`. */
export const STAGE = 'local';
/**
 * Member accounts of the local Organization, in the order `accounts` takes them; the hub is
 * ACCOUNT. Each has the member stack's roles: the access role the hub's functions assume, the
 * export role its RDS writes the hub's bucket with, and the operator role the rds-export CLI assumes
 * to cancel and retry its exports.
 */
export const MEMBER_ACCOUNTS = ['111122223333', '444455556666', '777788889999', '222233334444'] as const;
export const MAX_ACCOUNTS = 1 + MEMBER_ACCOUNTS.length;
export const MEMBER_ROLE_NAME = memberStackNames(STAGE).accessRole;
/** The local stack's export policy (POLICY_FILE of its handlers). */
export const LOCAL_POLICY_FILE = new URL('./export-policy.yml', import.meta.url).pathname;
export const MEMBER_EXPORT_ROLE_NAME = memberStackNames(STAGE).exportRole;
/** The role a member stack with hubOperatorRoleArns gives the hub's operators (rds-export cancel, retry). */
export const MEMBER_OPERATOR_ROLE_NAME = memberStackNames(STAGE).operatorRole;
/** Where a member's rule forwards RDS's events: the hub's default bus. */
export const HUB_EVENT_BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`;
/**
 * The hub's bucket and key in another Region, as serverless.region.yml names and creates them
 * (`<service>-<stage>-<account>-<region>`), and local/export-policy.yml's `regions:` names them.
 */
export const REGIONAL_DESTINATIONS = {
  'us-west-2': {
    bucket: regionalBucketName(STAGE, ACCOUNT, 'us-west-2'),
    kmsKey: `arn:aws:kms:us-west-2:${ACCOUNT}:key/0f0e0d0c-0b0a-4908-8706-0504030201aa`,
  },
} as const;

export interface StackOptions {
  /** Simulated seconds per real second. */
  timeScale: number;
  /** The source's engine family (default: the URL's, else PostgreSQL); MySQL needs `databaseUrl`. */
  engine?: EngineFamily;
  /** A PostgreSQL, MySQL or MariaDB server to export instead of the embedded PGlite. */
  databaseUrl?: string;
  /** Simulated export durations; default 2 min STARTING and 10 min IN_PROGRESS. */
  durations?: (task: ExportTaskRecord) => TaskDurations;
  /** Snapshot ARN → FailureCause: exports of these snapshots end FAILED. */
  failures?: Map<string, string>;
  /** Simulated graph export durations; default 1 min INITIALIZING and 5 min EXPORTING. */
  graphDurations?: (task: GraphTaskRecord) => GraphTaskDurations;
  /** Graph id → statusReason: exports of these graphs end FAILED. */
  graphFailures?: Map<string, string>;
  requestLog?: string;
  /** How best-effort the export-finished events are: drop, duplicate, delay (default: none). */
  eventFaults?: EventFaults;
  /** Random numbers for the event faults (seeded in tests and benchmarks). */
  random?: () => number;
  /** Accounts of the Organization, 1 to MAX_ACCOUNTS (default 1): the hub, then MEMBER_ACCOUNTS. */
  accounts?: number;
  /** Members whose forwarding rule's role is missing: none of their events reach the hub. */
  brokenForwarding?: readonly string[];
  /**
   * Other Regions every account has RDS in, besides REGION (default none): each exports into
   * REGIONAL_BUCKETS' bucket of its Region (serverless.region.yml), named in the policy's
   * `regions:`, and forwards its events to the hub's bus as a member's do.
   */
  regions?: readonly (keyof typeof REGIONAL_DESTINATIONS)[];
}

/** One account's RDS and event bus. */
export interface LocalAccount {
  id: string;
  /** The Region of this part of the account's RDS (REGION, or one of StackOptions.regions). */
  region: string;
  member: boolean;
  snapshots: SnapshotStore;
  tasks: ExportTasks;
  clusters: LiveClusters;
  /**
   * The account's bus, where its RDS emits: the hub's rule targets the waits function, a member's
   * forwards snapshot-created and export-finished events to the hub's bus.
   */
  events: LocalEventBus;
  /** A member's forwarding: events put on the hub's bus, and those its rule could not (no role). */
  forwarding: { forwarded: number; failed: number };
}

export interface LocalStack {
  clock: SimulatedClock;
  db: SourceDatabase;
  s3: LocalS3;
  s3Client: S3Client;
  rds: LocalRds;
  tasks: ExportTasks;
  snapshots: SnapshotStore;
  /** Live Aurora clusters backed by the local database (DescribeDBClusters, live-cluster exports). */
  clusters: LiveClusters;
  glue: JsonServer;
  catalog: GlueCatalog;
  sns: LocalSns;
  dynamodb: LocalDynamoDb;
  /** The account's Neptune Analytics graphs, their export tasks, and the neptune-graph endpoint. */
  graphs: LocalGraphs;
  graphTasks: GraphExportTasks;
  neptuneGraph: LocalNeptuneGraph;
  /** The EventBridge delivery of RDS's export-finished events to the waits function. */
  events: LocalEventBus;
  /** Every account, the hub first, with its own RDS state and event bus. */
  accounts: LocalAccount[];
  /** AssumeRole of the members' access and operator roles. */
  sts: LocalSts;
  /** An export task of any account, by its identifier. */
  exportTask(identifier: string): ExportTaskRecord | undefined;
  /** The task tokens of the executions' callback states. */
  tokens: TaskTokens;
  sfn: LocalSfn;
  /** DescribeStacks of the local deployment, `rds-export-<STAGE>`, for the rds-export CLI. */
  cloudformation: LocalServer;
  /** Each local endpoint by the SDK's service id (AWS_ENDPOINT_URL_<ID>: RDS, S3, SFN, ...). */
  endpoints: Record<string, string>;
  /**
   * Takes a snapshot of the database now (or re-uses `copyOf`'s data) under `identifier`, in
   * `account`'s RDS (default the hub's) of `region` (default REGION).
   */
  createSnapshot(
    identifier: string,
    sourceIdentifier?: string,
    copyOf?: StoredSnapshot,
    account?: string,
    region?: string,
  ): Promise<StoredSnapshot>;
  /**
   * Takes an Aurora cluster snapshot of the database now (the cluster is `clusterIdentifier`):
   * aurora-postgresql, or aurora-mysql for a MySQL / MariaDB source.
   */
  createClusterSnapshot(identifier: string, clusterIdentifier: string): Promise<StoredSnapshot>;
  /**
   * Delivers the EventBridge "snapshot created" event (RDS-EVENT-0042, or RDS-EVENT-0075 for a
   * cluster snapshot) to the real on-snapshot handler: a member's snapshot through its bus, which
   * forwards it to the hub (answering null when its forwarding is broken).
   */
  raiseSnapshotEvent(snapshot: StoredSnapshot): Promise<unknown>;
  /**
   * Delivers one slot of a policy schedule to the real on-schedule handler, as EventBridge
   * Scheduler would: the schedule's name and the slot's scheduled time (default now).
   */
  fireSchedule(schedule: string, scheduledTime?: Date): Promise<unknown>;
  stop(): Promise<void>;
}

/** The EventBridge event RDS emits when a manual DB (RDS-EVENT-0042) or cluster (0075) snapshot is created. */
export function snapshotCreatedEvent(snapshot: StoredSnapshot) {
  const cluster = snapshot.kind === 'cluster-snapshot';
  const time = snapshot.data.takenAt.toISOString();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': cluster ? 'RDS DB Cluster Snapshot Event' : 'RDS DB Snapshot Event',
    source: 'aws.rds',
    // The snapshot's own account and Region: a member's event keeps them when forwarded to the hub.
    account: snapshot.arn.split(':')[4] ?? ACCOUNT,
    time,
    region: snapshot.arn.split(':')[3] ?? REGION,
    resources: [snapshot.arn],
    detail: {
      EventCategories: ['creation'],
      SourceType: cluster ? 'CLUSTER_SNAPSHOT' : 'SNAPSHOT',
      SourceArn: snapshot.arn,
      Date: time,
      SourceIdentifier: snapshot.identifier,
      Message: cluster ? 'Manual cluster snapshot created' : 'Manual snapshot created',
      EventID: cluster ? 'RDS-EVENT-0075' : 'RDS-EVENT-0042',
    },
  };
}

/** An event as a member's rule puts it on the hub's bus (PutEvents entry, the API's member names). */
function putEventsEntry(event: unknown) {
  const e = event as {
    time: string;
    source: string;
    resources: string[];
    'detail-type': string;
    detail: unknown;
  };
  return {
    Time: e.time,
    Source: e.source,
    Resources: e.resources,
    DetailType: e['detail-type'],
    Detail: JSON.stringify(e.detail),
    EventBusName: HUB_EVENT_BUS_ARN,
  };
}

/** The environment the real handlers read (the Lambda configuration of serverless.yml, locally). */
function handlerEnvironment(endpoints: Record<string, string>): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_RDS: endpoints.rds ?? '',
    AWS_ENDPOINT_URL_S3: endpoints.s3 ?? '',
    AWS_ENDPOINT_URL_GLUE: endpoints.glue ?? '',
    AWS_ENDPOINT_URL_SNS: endpoints.sns ?? '',
    AWS_ENDPOINT_URL_SFN: endpoints.sfn ?? '',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb ?? '',
    AWS_ENDPOINT_URL_NEPTUNE_GRAPH: endpoints.neptuneGraph ?? '',
    AWS_ENDPOINT_URL_STS: endpoints.sts ?? '',
    // The hub and the member stack's roles (shared/aws/accounts.ts); with one account nothing is a member.
    DEPLOYMENT_ACCOUNT_ID: ACCOUNT,
    MEMBER_ROLE_NAME,
    MEMBER_EXPORT_ROLE_NAME,
    GRAPH_EXPORT_ROLE_ARN: GRAPH_ROLE_ARN,
    EXPORTS_TABLE,
    S3_FORCE_PATH_STYLE: 'true',
    STATE_MACHINE_ARN,
    POLICY_FILE: LOCAL_POLICY_FILE,
    EXPORT_BUCKET: BUCKET,
    EXPORT_KMS_KEY_ARN: KMS_KEY_ARN,
    EXPORT_ROLE_ARN: ROLE_ARN,
    NOTIFICATION_TOPIC_ARN: TOPIC_ARN,
    SLACK_WEBHOOK_PARAMETER: '',
    GLUE_DATABASE_PREFIX: 'rds_export_',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
    POWERTOOLS_DEV: 'true',
  };
}

async function importHandler(name: string): Promise<LambdaHandler> {
  const module = (await import(`../functions/${name}/handler.ts`)) as { handler: LambdaHandler };
  return module.handler;
}

/** Starts every local endpoint, points the real handlers at them, and creates the sample database. */
export async function startStack(options: StackOptions): Promise<LocalStack> {
  const clock = installSimulatedClock(options.timeScale);
  const log = requestLogger(options.requestLog ?? process.env.LOCAL_AWS_REQUEST_LOG);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => {});
  };
  try {
    const db = await openDatabase({
      ...(options.engine ? { family: options.engine } : {}),
      ...(options.databaseUrl ? { url: options.databaseUrl } : {}),
    });
    stops.push(() => db.close());
    await loadSampleData(db);
    // The hub's bucket, and its buckets of other Regions (the policy's regions:), always there: prune
    // lists every bucket the policy names.
    const s3 = await startLocalS3(
      [BUCKET, ...Object.values(REGIONAL_DESTINATIONS).map((d) => d.bucket)],
      log,
    );
    stops.push(() => s3.close());
    const s3Client = new S3Client({
      region: REGION,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
    });
    const ids = [ACCOUNT, ...MEMBER_ACCOUNTS].slice(0, options.accounts ?? 1);
    if (ids.length < 1 || ids.length !== (options.accounts ?? 1))
      throw new Error(`accounts must be 1 to ${MAX_ACCOUNTS}, not ${options.accounts}`);
    // Each account's RDS: its snapshots, its five exports, its export role; the hub's KMS key and
    // bucket (a member exports under <account>/ of it, shared/policy/decide.ts).
    const places = ids.flatMap((id) =>
      [REGION, ...(options.regions ?? [])].map((region) => ({ id, region })),
    );
    const accounts: LocalAccount[] = places.map(({ id, region }) => {
      const member = id !== ACCOUNT;
      const snapshots = new SnapshotStore(region, id);
      const clusters = new LiveClusters(region, id);
      const events = new LocalEventBus(clock, options.eventFaults ?? NO_EVENT_FAULTS, options.random);
      stops.push(() => events.drain());
      const tasks = new ExportTasks({
        clusters,
        onEnded: (task) => events.emit(exportEndedEvent(task, region, id)),
        s3: s3Client,
        clock,
        snapshots,
        roles: new Set([member ? `arn:aws:iam::${id}:role/${MEMBER_EXPORT_ROLE_NAME}` : ROLE_ARN]),
        kmsKeys: new Set([
          region === REGION
            ? KMS_KEY_ARN
            : REGIONAL_DESTINATIONS[region as keyof typeof REGIONAL_DESTINATIONS].kmsKey,
        ]),
        durations: options.durations ?? (() => ({ starting: 120, inProgress: 600 })),
        ...(options.failures ? { failures: options.failures } : {}),
      });
      stops.push(() => tasks.close());
      return {
        id,
        region,
        member,
        snapshots,
        clusters,
        events,
        tasks,
        forwarding: { forwarded: 0, failed: 0 },
      };
    });
    const hub = accounts[0] as LocalAccount;
    const { snapshots, clusters, events, tasks } = hub;
    const byPlace = new Map<string, LocalAccount>(accounts.map((a) => [`${a.id}/${a.region}`, a]));
    const accountOf = (id: string, region: string = REGION): LocalAccount => {
      const found = byPlace.get(`${id}/${region}`);
      if (!found) throw new Error(`account ${id} in ${region} is not one of the stack's (${ids.join(', ')})`);
      return found;
    };
    // Every member has the access role and the operator role (its stack deployed with
    // hubOperatorRoleArns); the credentials they hand out sign as the member.
    const credentials = new AccountCredentials(ACCOUNT);
    const sts = await startLocalSts(
      {
        credentials,
        roles: new Map(
          accounts
            .filter((a) => a.member)
            .flatMap((a) =>
              [MEMBER_ROLE_NAME, MEMBER_OPERATOR_ROLE_NAME].map(
                (name) => [`arn:aws:iam::${a.id}:role/${name}`, a.id] as const,
              ),
            ),
        ),
      },
      log,
    );
    stops.push(() => sts.close());
    const rds = await startLocalRds(
      tasks,
      snapshots,
      log,
      clusters,
      // The account from the signing key, the Region from the signature's scope, as AWS does.
      (req): RdsAccount =>
        byPlace.get(`${credentials.accountOf(req)}/${signingRegionOf(req) ?? REGION}`) ?? hub,
    );
    stops.push(() => rds.close());
    const graphs = new LocalGraphs(REGION, ACCOUNT);
    const graphTasks = new GraphExportTasks({
      s3: s3Client,
      clock,
      graphs,
      roles: new Set([GRAPH_ROLE_ARN]),
      kmsKeys: new Set([KMS_KEY_ARN]),
      durations: options.graphDurations ?? (() => ({ initializing: 60, exporting: 300 })),
      ...(options.graphFailures ? { failures: options.graphFailures } : {}),
    });
    stops.push(() => graphTasks.close());
    const neptuneGraph = await startLocalNeptuneGraph(graphs, graphTasks, log);
    stops.push(() => neptuneGraph.close());
    const catalog = new GlueCatalog();
    const glue = await startLocalGlue(catalog, log);
    stops.push(() => glue.close());
    const sns = await startLocalSns(new Set([TOPIC_ARN]), log);
    stops.push(() => sns.close());
    const dynamodb = await startLocalDynamoDb([EXPORTS_TABLE], log, LOCAL_CREDENTIALS, REGION);
    stops.push(() => dynamodb.close());
    // SFN's endpoint must be known before the handlers load; its state machine needs the handlers.
    const functions: Record<string, LambdaHandler> = {};
    const tokens = new TaskTokens();
    const sfn = await startLocalSfn(
      {
        definitionText: readFileSync(new URL('../statemachines/export.asl.yml', import.meta.url), 'utf8'),
        functions,
        stateMachineArn: STATE_MACHINE_ARN,
        roleArn: STATE_MACHINE_ROLE_ARN,
        clock,
        region: REGION,
        account: ACCOUNT,
        tokens,
      },
      log,
    );
    stops.push(() => sfn.close());
    // The outputs resources/operations.yml gives a deployed stack (and the plugin's state machine ARN).
    const cloudformation = await startLocalCloudFormation(
      [
        {
          name: `rds-export-${STAGE}`,
          outputs: {
            ExportStateMachineArn: STATE_MACHINE_ARN,
            ExportsTableName: EXPORTS_TABLE,
            NotificationTopicArn: TOPIC_ARN,
            ExportBucketName: BUCKET,
            ExportKmsKeyArn: KMS_KEY_ARN,
            ExportRoleArn: ROLE_ARN,
            GlueDatabasePrefix: 'rds_export_',
          },
        },
      ],
      REGION,
      ACCOUNT,
      log,
    );
    stops.push(() => cloudformation.close());
    Object.assign(
      process.env,
      handlerEnvironment({
        rds: rds.endpoint,
        s3: s3.endpoint,
        glue: glue.endpoint,
        sns: sns.endpoint,
        sfn: sfn.endpoint,
        dynamodb: dynamodb.endpoint,
        neptuneGraph: neptuneGraph.endpoint,
        sts: sts.endpoint,
      }),
    );
    functions.StartExportFunctionArn = await importHandler('start-export');
    functions.CheckExportFunctionArn = await importHandler('check-export');
    functions.RegisterExportFunctionArn = await importHandler('register-export');
    functions.NotifyFunctionArn = await importHandler('notify');
    functions.WaitsFunctionArn = await importHandler('waits');
    // The rule for RDS's export-finished events targets the waits function (serverless.yml).
    const waits = functions.WaitsFunctionArn;
    events.target = (event) => invokeLocal(waits, 'waits', event, REGION, ACCOUNT);
    const onSnapshot = await importHandler('on-snapshot');
    const onSchedule = await importHandler('on-schedule');
    const broken = new Set(options.brokenForwarding ?? []);
    // A member's buses, and the hub's own in its other Regions (serverless.region.yml's rules),
    // forward to the hub's bus.
    for (const account of accounts.filter((a) => a !== hub)) {
      account.events.target = async (event) => {
        // The rule's target is the hub's bus, through the member's forwarding role: without it,
        // the invocation fails and the event is lost.
        if (broken.has(account.id)) {
          account.forwarding.failed++;
          return null;
        }
        account.forwarding.forwarded++;
        log({ service: 'eventbridge', action: 'PutEvents', params: { Entries: [putEventsEntry(event)] } });
        // The hub's rules: snapshot created → on-snapshot; the rest (export finished) → waits.
        const { detail } = event as { detail?: { EventID?: string } };
        return idsOf(SNAPSHOT_READY_EVENTS).includes(detail?.EventID ?? '')
          ? invokeLocal(onSnapshot, 'on-snapshot', event, REGION, ACCOUNT)
          : invokeLocal(waits, 'waits', event, REGION, ACCOUNT);
      };
    }
    return {
      clock,
      db,
      s3,
      s3Client,
      rds,
      tasks,
      snapshots,
      clusters,
      glue,
      catalog,
      sns,
      dynamodb,
      graphs,
      graphTasks,
      neptuneGraph,
      events,
      accounts,
      sts,
      exportTask: (identifier) => {
        for (const account of accounts) {
          const task = account.tasks.tasks.get(identifier);
          if (task) return task;
        }
        return undefined;
      },
      tokens,
      sfn,
      cloudformation,
      endpoints: {
        CLOUDFORMATION: cloudformation.endpoint,
        DYNAMODB: dynamodb.endpoint,
        GLUE: glue.endpoint,
        NEPTUNE_GRAPH: neptuneGraph.endpoint,
        RDS: rds.endpoint,
        S3: s3.endpoint,
        SFN: sfn.endpoint,
        SNS: sns.endpoint,
        // The rds-export CLI assumes a member's operator role to cancel or retry its exports.
        STS: sts.endpoint,
      },
      createSnapshot: (identifier, sourceIdentifier, copyOf, account = ACCOUNT, region = REGION) => {
        const store = accountOf(account, region).snapshots;
        return copyOf
          ? Promise.resolve(
              store.add(identifier, { ...copyOf, ...(sourceIdentifier ? { sourceIdentifier } : {}) }),
            )
          : store.create(db, identifier, sourceIdentifier ? { sourceIdentifier } : {});
      },
      createClusterSnapshot: (identifier, clusterIdentifier) =>
        snapshots.create(db, identifier, { kind: 'cluster-snapshot', sourceIdentifier: clusterIdentifier }),
      fireSchedule: (schedule, scheduledTime = new Date()) =>
        invokeLocal(
          onSchedule,
          'on-schedule',
          { schedule, scheduledTime: scheduledTime.toISOString() },
          REGION,
          ACCOUNT,
        ),
      raiseSnapshotEvent: (snapshot) => {
        const event = snapshotCreatedEvent(snapshot);
        const account = accountOf(event.account, event.region);
        return account !== hub
          ? account.events.deliver(event)
          : invokeLocal(onSnapshot, 'on-snapshot', event, REGION, ACCOUNT);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
