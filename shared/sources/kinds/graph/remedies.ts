import { validate as isArn, parse as parseArn } from '@aws-sdk/util-arn-parser';
import type { FatalErrorName, RetryableErrorName } from '#shared/contract/errors.ts';
import type { GraphExportJob } from '#shared/contract/execution.ts';
import { DELETED_CAUSE } from '#shared/sources/graph/export-tasks.ts';
import { parseS3Uri } from '#shared/sources/graph/request.ts';
import { jsonBlock, roleName } from '#shared/sources/rds/policy-statements.ts';

/**
 * The fixes for a Neptune Analytics graph export, in the job's own names. The role and key
 * statements are those of the user guide's "Import/export permissions" page: Neptune Analytics
 * assumes the role (trusting neptune-graph.amazonaws.com), which needs kms:DescribeKey, and
 * kms:Decrypt and kms:GenerateDataKey with the graph's encryption context keys, on the key, and
 * s3:PutObject, s3:GetObject and s3:ListBucket on the destination.
 */

export const GRAPH_SERVICE_PRINCIPAL = 'neptune-graph.amazonaws.com';

function account(job: GraphExportJob): string {
  return (isArn(job.source.arn) && parseArn(job.source.arn).accountId) || '<account id>';
}

export function graphRoleTrustPolicy(sourceAccount: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: GRAPH_SERVICE_PRINCIPAL },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': sourceAccount } },
      },
    ],
  };
}

export function graphRolePolicy(job: GraphExportJob): object {
  const { bucket, prefix } = parseS3Uri(job.request.destination);
  const key = job.request.kmsKeyIdentifier;
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: key },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: key,
        Condition: {
          'ForAllValues:StringEquals': {
            'kms:EncryptionContextKeys': ['aws:neptune-graph:graphId', 'aws:neptune-graph:graphExportId'],
          },
        },
      },
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:ListBucket'],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/${prefix === '' ? '' : `${prefix}/`}*`],
      },
    ],
  };
}

function roleRemedy(job: GraphExportJob): string {
  return [
    `Neptune Analytics assumes the graph export role ${job.request.roleArn} to write ${job.request.destination}. ` +
      `Give role ${roleName(job.request.roleArn)} this trust policy:`,
    jsonBlock(graphRoleTrustPolicy(account(job))),
    'and this policy (Neptune Analytics user guide, "Import/export permissions"):',
    jsonBlock(graphRolePolicy(job)),
  ].join('\n\n');
}

function keyRemedy(job: GraphExportJob): string {
  return [
    `The KMS key ${job.request.kmsKeyIdentifier} must let the graph export role ${job.request.roleArn} use it. ` +
      'Add this statement to the key policy:',
    jsonBlock({
      Sid: 'AllowNeptuneGraphExportRoleToUseTheKey',
      Effect: 'Allow',
      Principal: { AWS: job.request.roleArn },
      Action: ['kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
    }),
    'and give the role the KMS statements of this policy:',
    jsonBlock(graphRolePolicy(job)),
  ].join('\n\n');
}

function bucketRemedy(job: GraphExportJob): string {
  const { bucket } = parseS3Uri(job.request.destination);
  return (
    `The destination bucket ${bucket} must exist in the graph's Region and let role ${job.request.roleArn} ` +
    `write to it (check its bucket policy too). ${roleRemedy(job)}`
  );
}

const getTask = (job: GraphExportJob) =>
  `\`aws neptune-graph list-export-tasks --graph-identifier ${job.request.graphIdentifier}\``;

type GraphRemedy = (job: GraphExportJob, message: string) => string;

/** The fix per error name, where the RDS one would name RDS's request members. */
export const GRAPH_REMEDIES: Partial<Record<FatalErrorName | RetryableErrorName, GraphRemedy>> = {
  ExportSourceNotFoundError: (job) =>
    `Graph ${job.source.sourceIdentifier} (${job.request.graphIdentifier}) no longer exists. Check it with ` +
    `\`aws neptune-graph get-graph --graph-identifier ${job.request.graphIdentifier}\`; if it was deleted on ` +
    'purpose there is nothing to export, else correct the schedule or rule that selected it.',
  ExportSourceNotReadyError: (job) =>
    `Graph ${job.source.sourceIdentifier} did not become AVAILABLE within the retries (it was creating, ` +
    'importing, updating, snapshotting, resetting or starting). Nothing was started; the next slot of the ' +
    'schedule exports it once it is AVAILABLE.',
  ExportSourceUnavailableError: (job) =>
    `Graph ${job.source.sourceIdentifier} is in a state that lasts (stopped, stopping, deleting or failed). ` +
    `Start it (\`aws neptune-graph start-graph --graph-identifier ${job.request.graphIdentifier}\`) if it ` +
    'should be exported; the next slot of the schedule exports it once it is AVAILABLE.',
  ExportParameterInvalidError: (job, message) =>
    `Neptune Analytics refused the export request${message ? ` (${message})` : ''}. The request must name ` +
    'the graph by its g-… identifier, the key by its ARN (kmsKeyIdentifier takes no alias or key ID), an IAM ' +
    `role ARN and an s3:// destination, and exportFilter must be valid. Correct rule "${job.rule}" (or ` +
    `GRAPH_EXPORT_ROLE_ARN / EXPORT_KMS_KEY_ARN) and check it with \`npx rds-export plan\`.\n\n${roleRemedy(job)}`,
  ExportRoleNotFoundError: roleRemedy,
  ExportRoleMissingPermissionsError: roleRemedy,
  ExportKmsKeyNotAccessibleError: keyRemedy,
  ExportBucketInvalidError: bucketRemedy,
  ExportOnlyInvalidError: (job) =>
    `Rule "${job.rule}" gives a graph an exportOnly list; graphs are filtered with exportFilter instead.`,
  ExportTaskNotFoundError: (job) =>
    `Neptune Analytics no longer reports the graph's export task. List the graph's tasks with ${getTask(job)}; ` +
    'the next slot of the schedule exports the graph again.',
  ExportTaskConflictError: (job) =>
    `Another export task of graph ${job.request.graphIdentifier} holds this export's destination. List them with ` +
    `${getTask(job)}.`,
  ExportQuotaExceededError: (job) =>
    `Neptune Analytics kept refusing the export (conflict or quota): another export of the graph runs, or the ` +
    `account runs the service's limit of exports. List them with ${getTask(job)}, cancel stuck ones, or lower ` +
    'maxConcurrentGraphExports in the policy.',
};

/** A FAILED graph export: the statusReason matched to what to fix (role trust, key policy, bucket). */
export function explainGraphFailure(
  cause: string | undefined,
  job: GraphExportJob,
): { matched?: string; fix: string } {
  const text = (cause ?? '').trim();
  if (text.startsWith(DELETED_CAUSE)) {
    return {
      matched: 'deleted',
      fix:
        `Nothing was exported: graph ${job.source.sourceIdentifier} or its export task was deleted while it ran. ` +
        'If the graph still exists, the next slot of the schedule exports it again.',
    };
  }
  if (/assume|trust|sts:/i.test(text)) return { matched: 'role', fix: roleRemedy(job) };
  if (/kms|key/i.test(text)) return { matched: 'kms-key', fix: keyRemedy(job) };
  if (/bucket|s3|access denied|forbidden/i.test(text)) return { matched: 'bucket', fix: bucketRemedy(job) };
  return {
    fix:
      `${text === '' ? 'Neptune Analytics gave no statusReason. ' : ''}Check the task with ${getTask(job)}. ` +
      `The usual causes are the role, the key and the bucket: ${roleRemedy(job)}\n\n${keyRemedy(job)}`,
  };
}
