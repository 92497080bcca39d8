import * as cloudformation from '@aws-sdk/client-cloudformation';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as eventbridge from '@aws-sdk/client-eventbridge';
import * as glue from '@aws-sdk/client-glue';
import * as neptuneGraph from '@aws-sdk/client-neptune-graph';
import * as rds from '@aws-sdk/client-rds';
import * as s3 from '@aws-sdk/client-s3';
import * as sfn from '@aws-sdk/client-sfn';
import * as sns from '@aws-sdk/client-sns';
import * as sts from '@aws-sdk/client-sts';
import { NormalizedSchema } from '@smithy/core/schema';
import type { LoggedRequest } from '#local/protocol/request-log.ts';

/**
 * Validates a logged request against the AWS API model the SDK ships (its schemas: operation input
 * structures, member names and types, and the required members, which the generated schema lists
 * first and counts in its seventh slot), plus the constraints the SDK schemas leave out (lengths,
 * ranges, enums), transcribed from the API references of the operations the pipeline calls.
 */

const SDKS: Record<LoggedRequest['service'], Record<string, unknown>> = {
  rds,
  glue,
  s3,
  sfn,
  sns,
  dynamodb,
  cloudformation,
  'neptune-graph': neptuneGraph,
  sts,
  eventbridge,
};

type Check = (value: unknown) => string | undefined;
const length =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'string' && (v.length < min || v.length > max)
      ? `length ${v.length} outside ${min}..${max}`
      : undefined;
const range =
  (min: number, max: number): Check =>
  (v) => {
    const n = Number(v);
    return Number.isNaN(n) || n < min || n > max ? `${String(v)} outside ${min}..${max}` : undefined;
  };
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    values.includes(String(v)) ? undefined : `${String(v)} not one of ${values.join(', ')}`;
const pattern =
  (re: RegExp): Check =>
  (v) =>
    re.test(String(v)) ? undefined : `${String(v)} does not match ${re}`;
const maxItems =
  (max: number): Check =>
  (v) =>
    Array.isArray(v) && v.length > max ? `${v.length} items, at most ${max}` : undefined;

const GLUE_NAME = length(1, 255);
// Neptune Analytics API reference (neptune-graph 2023-11-29): GraphIdentifier, ExportTaskId,
// KmsKeyArn (a key ARN, not an alias or key ID), RoleArn, destination, MaxResults, PaginationToken.
const GRAPH_IDENTIFIER = pattern(/^g-[a-z0-9]{10}$/);
const EXPORT_TASK_ID = pattern(/^t-[a-z0-9]{10}$/);
const PAGINATION_TOKEN = length(1, 8192);
const MULTI_VALUE_HANDLING = oneOf('TO_LIST', 'PICK_FIRST');
const GRAPH_CONSTRAINTS: Record<string, Check> = {
  'neptune-graph.StartExportTask.graphIdentifier': GRAPH_IDENTIFIER,
  'neptune-graph.StartExportTask.roleArn': pattern(
    /^arn:aws[^:]*:iam::\d{12}:(role|role\/service-role)(\/[\w+=,.@-]+)+$/,
  ),
  'neptune-graph.StartExportTask.format': oneOf('PARQUET', 'CSV'),
  'neptune-graph.StartExportTask.destination': length(1, 1024),
  'neptune-graph.StartExportTask.kmsKeyIdentifier': pattern(
    /^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key\/[a-zA-Z0-9-]{36}$/,
  ),
  'neptune-graph.StartExportTask.parquetType': oneOf('COLUMNAR'),
  'neptune-graph.StartExportTask.exportFilter.vertexFilter.properties.multiValueHandling':
    MULTI_VALUE_HANDLING,
  'neptune-graph.StartExportTask.exportFilter.edgeFilter.properties.multiValueHandling': MULTI_VALUE_HANDLING,
  'neptune-graph.GetExportTask.taskIdentifier': EXPORT_TASK_ID,
  'neptune-graph.CancelExportTask.taskIdentifier': EXPORT_TASK_ID,
  'neptune-graph.ListExportTasks.graphIdentifier': GRAPH_IDENTIFIER,
  'neptune-graph.ListExportTasks.maxResults': range(1, 100),
  'neptune-graph.ListExportTasks.nextToken': PAGINATION_TOKEN,
  'neptune-graph.GetGraph.graphIdentifier': GRAPH_IDENTIFIER,
  'neptune-graph.ListGraphs.maxResults': range(1, 100),
  'neptune-graph.ListGraphs.nextToken': PAGINATION_TOKEN,
};
// STS API reference, AssumeRole: RoleArn 20-2048 characters; RoleSessionName 2-64 of [\w+=,.@-]
// (the SDK's AssumeRoleRequest documents the characters); DurationSeconds 900 up to the role's
// maximum session, at most 43200 (12 hours).
const STS_CONSTRAINTS: Record<string, Check> = {
  'sts.AssumeRole.RoleArn': length(20, 2048),
  'sts.AssumeRole.RoleSessionName': pattern(/^[\w+=,.@-]{2,64}$/),
  'sts.AssumeRole.DurationSeconds': range(900, 43200),
};
const isJsonObject: Check = (v) => {
  try {
    const parsed: unknown = JSON.parse(String(v));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? undefined
      : 'not a JSON object';
  } catch {
    return 'not JSON';
  }
};
// EventBridge API reference, PutEvents: 1-10 entries; DetailType at most 128 characters and Detail
// "a valid JSON object" (the SDK's PutEventsRequestEntry); Source 1-256; EventBusName (a bus's name
// or ARN) 1-1600 characters.
const EVENTBRIDGE_CONSTRAINTS: Record<string, Check> = {
  'eventbridge.PutEvents.Entries': (v) =>
    Array.isArray(v) && v.length === 0 ? '0 items, at least 1' : maxItems(10)(v),
  'eventbridge.PutEvents.Entries.DetailType': length(1, 128),
  'eventbridge.PutEvents.Entries.Detail': isJsonObject,
  'eventbridge.PutEvents.Entries.Source': length(1, 256),
  'eventbridge.PutEvents.Entries.EventBusName': length(1, 1600),
};
/** service.Action.member path → constraint (API references: RDS 2014-10-31, Glue 2017-03-31, SFN 2016-11-23, SNS 2010-03-31). */
const CONSTRAINTS: Record<string, Check> = {
  'rds.StartExportTask.ExportTaskIdentifier': pattern(/^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,59}(?<!-)$/),
  'rds.DescribeExportTasks.MaxRecords': range(20, 100),
  'rds.DescribeExportTasks.Filters.Name': oneOf(
    'export-task-identifier',
    's3-bucket',
    'source-arn',
    'status',
  ),
  'rds.DescribeExportTasks.SourceType': oneOf('SNAPSHOT', 'CLUSTER'),
  'rds.DescribeDBSnapshots.MaxRecords': range(20, 100),
  'rds.DescribeDBClusterSnapshots.MaxRecords': range(20, 100),
  'glue.GetDatabase.Name': GLUE_NAME,
  'glue.CreateDatabase.DatabaseInput.Name': GLUE_NAME,
  'glue.GetTables.DatabaseName': GLUE_NAME,
  'glue.GetTables.MaxResults': range(1, 100),
  'glue.CreateTable.DatabaseName': GLUE_NAME,
  'glue.CreateTable.TableInput.Name': GLUE_NAME,
  'glue.UpdateTable.DatabaseName': GLUE_NAME,
  'glue.UpdateTable.TableInput.Name': GLUE_NAME,
  'glue.BatchCreatePartition.PartitionInputList': maxItems(100),
  'glue.BatchUpdatePartition.Entries': maxItems(100),
  'glue.GetPartitions.MaxResults': range(1, 1000),
  'sfn.StartExecution.name': length(1, 80),
  'sfn.GetExecutionHistory.maxResults': range(0, 1000),
  'sfn.StopExecution.error': length(0, 256),
  'sfn.StopExecution.cause': length(0, 32768),
  'cloudformation.DescribeStacks.StackName': length(1, 128),
  'rds.CancelExportTask.ExportTaskIdentifier': length(1, 60),
  'sfn.ListExecutions.maxResults': range(0, 1000),
  'sfn.ListExecutions.statusFilter': oneOf(
    'RUNNING',
    'SUCCEEDED',
    'FAILED',
    'TIMED_OUT',
    'ABORTED',
    'PENDING_REDRIVE',
  ),
  'sns.Publish.Subject': length(1, 99),
  's3.ListObjectsV2.MaxKeys': range(1, 1000),
  'dynamodb.GetItem.TableName': length(3, 255),
  'dynamodb.PutItem.TableName': length(3, 255),
  ...GRAPH_CONSTRAINTS,
  ...STS_CONSTRAINTS,
  ...EVENTBRIDGE_CONSTRAINTS,
};

// Every endpoint logs typed values (the Query-protocol ones decode by the same schemas), so a scalar
// logged as text is a request whose text did not parse as its type.
function typeProblem(schema: NormalizedSchema, value: unknown): string | undefined {
  if (schema.isListSchema()) return Array.isArray(value) ? undefined : 'expected a list';
  if (schema.isStructSchema() || schema.isMapSchema() || schema.isDocumentSchema()) {
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? undefined
      : 'expected an object';
  }
  if (schema.isNumericSchema()) return typeof value === 'number' ? undefined : 'expected a number';
  if (schema.isBooleanSchema()) return typeof value === 'boolean' ? undefined : 'expected a boolean';
  if (schema.isTimestampSchema())
    return typeof value === 'string' || typeof value === 'number' ? undefined : 'expected a timestamp';
  if (schema.isStringSchema()) return typeof value === 'string' ? undefined : 'expected a string';
  return undefined;
}

function validate(
  schema: NormalizedSchema,
  value: unknown,
  path: string,
  problems: string[],
  key: string,
): void {
  const constraint = CONSTRAINTS[key];
  const violation = constraint?.(value);
  if (violation) problems.push(`${path}: ${violation}`);
  const wrong = typeProblem(schema, value);
  if (wrong) return void problems.push(`${path}: ${wrong}`);
  if (schema.isListSchema()) {
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++)
      validate(schema.getValueSchema(), items[i], `${path}[${i}]`, problems, key);
  } else if (schema.isMapSchema()) {
    // A map's values are validated as its value shape; the constraint key skips the map's own keys.
    for (const [name, item] of Object.entries(value as Record<string, unknown>))
      validate(schema.getValueSchema(), item, `${path}.${name}`, problems, key);
  } else if (schema.isStructSchema()) {
    const raw = schema.getSchema() as unknown[];
    const names = raw[4] as string[];
    const required = names.slice(0, typeof raw[6] === 'number' ? raw[6] : 0);
    const record = value as Record<string, unknown>;
    for (const name of required)
      if (record[name] === undefined) problems.push(`${path}.${name}: required member missing`);
    const members = schema.getMemberSchemas();
    for (const [name, member] of Object.entries(record)) {
      const memberSchema = members[name];
      if (!memberSchema) problems.push(`${path}.${name}: not a member of ${schema.getName()}`);
      else if (member !== undefined && member !== null)
        validate(memberSchema, member, `${path}.${name}`, problems, `${key}.${name}`);
    }
  }
}

/** Problems with one logged request; empty when the request is valid. */
export function requestProblems(entry: LoggedRequest): string[] {
  const operation = SDKS[entry.service][`${entry.action}$`];
  if (!Array.isArray(operation))
    return [`${entry.service}.${entry.action}: no such operation in the API model`];
  const input = NormalizedSchema.of((operation[4] as () => unknown)() as never);
  const problems: string[] = [];
  validate(
    input,
    entry.params,
    `${entry.service}.${entry.action}`,
    problems,
    `${entry.service}.${entry.action}`,
  );
  return problems;
}
