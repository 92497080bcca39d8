import { z } from 'zod';
import { KMS_KEY_ARN, KMS_KEY_ARN_RULE } from '#shared/aws/kms.ts';

/**
 * The Neptune Analytics StartExportTask input (API reference, neptune-graph 2023-11-29), with the
 * member names and constraints the API model gives, so a graph export job carries exactly the
 * request it sends.
 */

/** GraphIdentifier (API reference, StartExportTask and GetExportTask). */
export const GRAPH_ID = /^g-[a-z0-9]{10}$/;
/** RoleArn (ExportTaskSummary, roleArn). */
const ROLE_ARN = /^arn:aws[^:]*:iam::\d{12}:(role|role\/service-role)(\/[\w+=,.@-]+)+$/;

export const MULTI_VALUE_HANDLING = ['TO_LIST', 'PICK_FIRST'] as const;
export const EXPORT_FORMATS = ['PARQUET', 'CSV'] as const;

/*
 * The exportFilter shapes of the neptune-graph API model (2023-11-29; the Smithy model the AWS SDKs
 * are generated from, aws-sdk-js-v3 codegen/sdk-codegen/aws-models/neptune-graph.json):
 * ExportFilterLabel and ExportFilterSourcePropertyName are 1-128 characters,
 * ExportFilterOutputPropertyName 1-128 characters of `^[a-zA-Z0-9_]+$`, ExportFilterOutputDataType
 * `^(Any|Byte|Short|Int|Long|Float|Double|String|Bool|Boolean|Float\[\]|Double\[\])$`, and
 * MultiValueHandlingType TO_LIST | PICK_FIRST. The SDK does not check them before sending, so the
 * policy does, when it loads.
 */

/** ExportFilterOutputDataType, as the model's pattern lists it. */
export const EXPORT_FILTER_OUTPUT_TYPES = [
  'Any',
  'Byte',
  'Short',
  'Int',
  'Long',
  'Float',
  'Double',
  'String',
  'Bool',
  'Boolean',
  'Float[]',
  'Double[]',
] as const;

const NAME_MAX = 128;
const LABEL_RULE = `a label must be 1-${NAME_MAX} characters`;
const PROPERTY_NAME_RULE = `a property name must be 1-${NAME_MAX} ASCII letters, digits or _`;

/** ExportFilterLabel: a vertex or edge label. */
const ExportFilterLabel = z.string().min(1, LABEL_RULE).max(NAME_MAX, LABEL_RULE);
/** ExportFilterOutputPropertyName: the name the property is written under. */
const ExportFilterOutputPropertyName = z
  .string()
  .max(NAME_MAX, PROPERTY_NAME_RULE)
  .regex(/^[a-zA-Z0-9_]+$/, PROPERTY_NAME_RULE);

/** ExportFilterPropertyAttributes: how one exported property is written. */
export const ExportFilterPropertyAttributes = z.strictObject({
  /** The type written; the export decides when absent (Any when the graph holds several). */
  outputType: z.enum(EXPORT_FILTER_OUTPUT_TYPES).optional(),
  /** The property in the graph (ExportFilterSourcePropertyName); the output name when absent. */
  sourcePropertyName: z.string().min(1).max(NAME_MAX).optional(),
  /** A multi-valued property as a list (TO_LIST) or its first value (PICK_FIRST, the default). */
  multiValueHandling: z.enum(MULTI_VALUE_HANDLING).optional(),
});

/** ExportFilterElement: the properties of one label to export, by output name. */
export const ExportFilterElement = z.strictObject({
  properties: z.record(ExportFilterOutputPropertyName, ExportFilterPropertyAttributes).optional(),
});

/** ExportFilter: per vertex and per edge label (ExportFilterPerLabelMap). */
export const ExportFilter = z
  .strictObject({
    vertexFilter: z.record(ExportFilterLabel, ExportFilterElement).optional(),
    edgeFilter: z.record(ExportFilterLabel, ExportFilterElement).optional(),
  })
  .refine((f) => f.vertexFilter !== undefined || f.edgeFilter !== undefined, {
    message: 'must set vertexFilter, edgeFilter or both',
  });
export type ExportFilter = z.infer<typeof ExportFilter>;

export const GraphStartExportTaskRequest = z.strictObject({
  graphIdentifier: z.string().regex(GRAPH_ID, 'must be a graph identifier (g-[a-z0-9]{10})'),
  roleArn: z.string().regex(ROLE_ARN, 'must be an IAM role ARN'),
  format: z.enum(EXPORT_FORMATS),
  /** The S3 URI the export writes below (1-1024 characters). */
  destination: z.string().min(1).max(1024).startsWith('s3://'),
  /** KmsKeyArn: the model takes a key ARN only (the one key rule, shared/aws/kms.ts). */
  kmsKeyIdentifier: z.string().max(1024).regex(KMS_KEY_ARN, KMS_KEY_ARN_RULE),
  parquetType: z.literal('COLUMNAR').optional(),
  exportFilter: ExportFilter.optional(),
});
export type GraphStartExportTaskRequest = z.infer<typeof GraphStartExportTaskRequest>;

/**
 * The `g-…` identifier at the end of a graph ARN (`arn:aws:neptune-graph:<region>:<account>:graph/g-…`).
 * Here rather than in graphs.ts, which calls the service: the policy needs the identifier only, and
 * on-snapshot (which decides on snapshots with the same policy) then loads no neptune-graph client.
 */
export function graphIdOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** `s3://bucket/a/b/` → bucket and prefix (no leading or trailing slash). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return { bucket: match?.[1] ?? '', prefix: (match?.[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/** Whether a task's destination is this export's: the same URI, a trailing slash or not. */
export function sameDestination(a: string | undefined, b: string): boolean {
  return a !== undefined && a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/** The last folder of a destination URI: a pipeline export's name (shared/sources/graph/job.ts). */
export function destinationFolder(uri: string | undefined): string {
  return (
    parseS3Uri(uri ?? '')
      .prefix.split('/')
      .at(-1) ?? ''
  );
}
