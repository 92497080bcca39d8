/**
 * The catalog, bucket and ownership evidence bench/prune.bench.ts prunes: one source of TABLES
 * tables exported EXPORTS times, every export registered as register-export leaves it (a latest
 * table, its history twin and their typed views per source table; one history partition per table
 * per export, carrying the rule it ran under), its files in a versioning-enabled bucket, and the
 * export's execution or ledger record saying where it was started.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { DescribeExecutionCommand, ExecutionDoesNotExist } from '@aws-sdk/client-sfn';
import type { OwnershipDeps } from '#functions/prune/ownership.ts';
import { P, ROLES } from '#shared/contract/catalog.ts';
import { MemoryGlue } from '#testkit/memory-glue.ts';
import { type MemoryS3, memoryS3 } from '#testkit/memory-s3.ts';

export const TABLES = 2000;
/** Exports of the source: the newest is kept (`keepExports: 1`), the others are pruned. */
export const EXPORTS = 11;
export const BUCKET = 'exports';
export const DATABASE = 'rds_export_app';
export const RULE = 'keep-latest';
const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export';
const DAY_MS = 86_400_000;
const FIRST = Date.parse('2026-01-01T03:00:00Z');
/** An export every 14 days; prune runs the day after the newest. */
const EVERY_DAYS = 14;
export const NOW = new Date(FIRST + ((EXPORTS - 1) * EVERY_DAYS + 1) * DAY_MS);
/**
 * Step Functions keeps an execution 90 days after it ends ("Quotas for Standard Workflows",
 * maximum execution history retention time): older exports are proven by the ledger instead.
 */
const EXECUTION_KEPT_MS = 90 * DAY_MS;
/** Each part file's bytes (1 KiB; prune lists and deletes them, it never reads them). */
const PART = new Uint8Array(1024);

export type Export = { id: string; snapshotTime: string; at: number };

export const exportsOfSource = (): Export[] =>
  Array.from({ length: EXPORTS }, (_, i) => {
    const at = FIRST + i * EVERY_DAYS * DAY_MS;
    const snapshotTime = new Date(at).toISOString().replace('.000Z', 'Z');
    return { id: `app-${snapshotTime.slice(0, 10)}`, snapshotTime, at };
  });

const tableName = (t: number) => `app_public_t${String(t).padStart(4, '0')}`;
const folder = (e: Export, t: number) => `x/${e.id}/app/public.t${String(t).padStart(4, '0')}/`;

/**
 * The catalog: the prefix's database (and one outside it), four tables and a partition per export
 * per source table; each request answered after `latencyMs`.
 */
export function catalog(exports: readonly Export[], latencyMs = 0): MemoryGlue {
  const glue = new MemoryGlue(latencyMs);
  glue.databases.add(DATABASE);
  glue.databases.add('analytics');
  const newest = exports.at(-1) as Export;
  const add = (name: string, role: string, target: string) =>
    glue.tables.set(`${DATABASE}/${name}`, {
      Name: name,
      DatabaseName: DATABASE,
      Parameters: {
        [P.role]: role,
        [P.target]: target,
        ...(role === ROLES.latest ? { [P.exportId]: newest.id } : {}),
      },
    });
  for (let t = 0; t < TABLES; t++) {
    const name = tableName(t);
    const target = `app.public.t${String(t).padStart(4, '0')}`;
    add(name, ROLES.latest, target);
    add(`${name}_history`, ROLES.history, target);
    add(`${name}_typed`, ROLES.latestTyped, target);
    add(`${name}_history_typed`, ROLES.historyTyped, target);
    glue.partitions.set(
      `${DATABASE}/${name}_history`,
      exports.map((e) => ({
        Values: [e.id, e.snapshotTime],
        StorageDescriptor: { Location: `s3://${BUCKET}/${folder(e, t)}` },
        Parameters: { [P.rule]: RULE },
      })),
    );
  }
  return glue;
}

/**
 * The bucket, versioning-enabled: per export, `files` part files per table, RDS's two JSON files,
 * an older version of export_info (written twice) and a file deleted since (a delete marker over
 * its one version), so the listing returns versions and delete markers as S3 does; each request
 * answered after `latencyMs`.
 */
export function bucket(exports: readonly Export[], files: number, latencyMs = 0): MemoryS3 {
  const objects = new Map<string, Uint8Array>();
  for (const e of exports) {
    objects.set(`x/${e.id}/export_info_${e.id}.json`, PART);
    objects.set(`x/${e.id}/export_tables_info_${e.id}_from_1_to_${TABLES}.json`, PART);
    for (let t = 0; t < TABLES; t++)
      for (let f = 0; f < files; f++)
        objects.set(`${folder(e, t)}1/part-${String(f).padStart(5, '0')}-${e.id}-c000.gz.parquet`, PART);
  }
  const s3 = memoryS3(objects, { versioned: true, latencyMs });
  for (const e of exports) {
    s3.versions.get(`x/${e.id}/export_info_${e.id}.json`)?.push({ versionId: `older-${e.id}`, body: PART });
    s3.versions.set(`x/${e.id}/removed.json`, [
      { versionId: `marker-${e.id}` },
      { versionId: `removed-${e.id}`, body: PART },
    ]);
  }
  return s3;
}

/** Versions and delete markers stored under `prefix`. */
export function storedUnder(s3: MemoryS3, prefix: string): number {
  let n = 0;
  for (const [key, list] of s3.versions) if (key.startsWith(prefix)) n += list.length;
  return n;
}

/**
 * The export machine and the ledger as prune asks them: DescribeExecution answers an ended execution
 * whose input names the export's folder, or ExecutionDoesNotExist once it is older than Step
 * Functions keeps it; GetItem answers the ledger's `started` record. `calls` records each request,
 * each answered after `latencyMs`.
 */
export function ownership(exports: readonly Export[], latencyMs = 0): OwnershipDeps & { calls: string[] } {
  const calls: string[] = [];
  const byId = new Map(exports.map((e) => [e.id, e]));
  const wait = () => (latencyMs > 0 ? new Promise((resolve) => setTimeout(resolve, latencyMs)) : undefined);
  const sfn = {
    async send(command: DescribeExecutionCommand) {
      calls.push('DescribeExecution');
      await wait();
      if (!(command instanceof DescribeExecutionCommand)) throw new Error('unexpected Step Functions call');
      const id = command.input.executionArn?.split(':').at(-1) ?? '';
      const e = byId.get(id);
      if (e === undefined || NOW.getTime() - e.at > EXECUTION_KEPT_MS)
        throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: ${id}`, $metadata: {} });
      return {
        status: 'SUCCEEDED',
        input: JSON.stringify({
          source: { kind: 'db-snapshot' },
          request: { S3BucketName: BUCKET, S3Prefix: 'x' },
        }),
      };
    },
  };
  const dynamodb = {
    async send(command: GetItemCommand) {
      calls.push('GetItem');
      await wait();
      if (!(command instanceof GetItemCommand)) throw new Error('unexpected DynamoDB call');
      const id = command.input.Key?.pk?.S?.replace(/^export#/, '') ?? '';
      if (!byId.has(id)) return {};
      return { Item: { ...command.input.Key, bucket: { S: BUCKET }, prefix: { S: `x/${id}/` } } };
    },
  };
  return {
    calls,
    sfn: sfn as unknown as Pick<SFNClient, 'send'>,
    stateMachineArn: STATE_MACHINE,
    ledger: { dynamodb: dynamodb as unknown as Pick<DynamoDBClient, 'send'>, table: 'rds-export' },
  };
}
