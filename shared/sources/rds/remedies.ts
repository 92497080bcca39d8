import { validate as isArn, parse as parseArn } from '@aws-sdk/util-arn-parser';
import type { FatalErrorName, RetryableErrorName } from '#shared/contract/errors.ts';
import type { ExportJob, RdsExportJob } from '#shared/contract/execution.ts';
import {
  callerKmsStatement,
  EXPORT_ROLE_S3_ACTIONS,
  EXPORT_SERVICE_PRINCIPAL,
  exportRoleKeyPolicyStatement,
  exportRoleS3Policy,
  exportRoleTrustPolicy,
  jsonBlock,
  keyArnOrHint,
  roleName,
} from './policy-statements.ts';

type Remedy = (job: RdsExportJob, message: string) => string;

/** The concrete fix for each error a failed execution can end with, in the job's own names. */
const REMEDIES: Record<FatalErrorName | RetryableErrorName, Remedy> = {
  ExportKmsKeyNotAccessibleError: kmsRemedy,
  ExportRoleMissingPermissionsError: roleMissingPermissionsRemedy,
  ExportRoleNotFoundError: ({ request }) =>
    [
      `The export role ${request.IamRoleArn} does not exist. Either correct the role ARN in the policy rule ` +
        `(or EXPORT_ROLE_ARN), or create role ${roleName(request.IamRoleArn)} with this trust policy:`,
      jsonBlock(exportRoleTrustPolicy()),
      'and attach this policy to it:',
      jsonBlock(exportRoleS3Policy(request.S3BucketName)),
    ].join('\n\n'),
  ExportBucketInvalidError: bucketRemedy,
  ExportOnlyInvalidError: exportOnlyRemedy,
  ExportParameterInvalidError: parameterRemedy,
  ExportSourceUnavailableError: ({ source }) =>
    `The source ${source.arn} is in a state that lasts and cannot be exported; make it available and re-run the export.`,
  ExportSourceNotFoundError: ({ source }) => {
    const cli =
      source.kind === 'cluster-snapshot' ? 'describe-db-cluster-snapshots' : 'describe-db-snapshots';
    const option =
      source.kind === 'cluster-snapshot' ? '--db-cluster-snapshot-identifier' : '--db-snapshot-identifier';
    return (
      `The snapshot ${source.arn} no longer exists or is not a ${source.kind}. Check it with ` +
      `\`aws rds ${cli} ${option} ${source.arn}\`. Automated snapshots are deleted when their retention ` +
      'period ends: if it was deleted, nothing can be exported; export a newer snapshot or copy automated ' +
      'snapshots to manual ones before they expire.'
    );
  },
  ExportTaskNotFoundError: ({ exportTaskIdentifier }) =>
    `RDS no longer reports export task ${exportTaskIdentifier}. Look it up with ` +
    `\`aws rds describe-export-tasks --export-task-identifier ${exportTaskIdentifier}\`; if it is absent, ` +
    'start the export again (a re-export gets a new identifier).',
  InvalidInputError: ({ exportTaskIdentifier }, message) =>
    `A task input or a file written by AWS failed validation (${message || 'see the error'}). This is a ` +
    `contract mismatch, not an AWS setting: look up execution ${exportTaskIdentifier} in the Step Functions ` +
    'console and the function logs, fix the producer of the input, then re-run the export.',
  PolicyError: (_job, message) =>
    `The export policy file is invalid${message ? ` (${message})` : ''}. Fix the field it names in ` +
    'export-policy.yml, check it with `npx rds-export plan`, and deploy again.',
  ConfigurationError: (_job, message) =>
    `A function's configuration or permissions are missing or invalid${message ? ` (${message})` : ''}. Set ` +
    'the environment variable, SSM parameter or topic it names (serverless.yml / deploy parameters), or grant ' +
    "the IAM or KMS permission the error names to the function's role, and deploy again.",
  ExportTaskConflictError: ({ exportTaskIdentifier, source }) =>
    `Export task ${exportTaskIdentifier} already exists but exports another source or snapshot time than ` +
    `${source.arn}. Nothing was started, so the existing task's data is not mistaken for this snapshot. Look it ` +
    `up with \`aws rds describe-export-tasks --export-task-identifier ${exportTaskIdentifier}\`; export this ` +
    'snapshot again as a re-export, which gets an identifier of its own.',
  AwsConflictError: () =>
    'Another writer kept changing the same Glue table at the same time, through every retry. Find what else ' +
    'updates these tables (a crawler, another pipeline) and stop it, then register the export again.',
  UnexpectedAwsError: ({ exportTaskIdentifier }, message) =>
    `AWS returned an error the pipeline does not classify${message ? ` (${message})` : ''}. Check the AWS ` +
    `Health Dashboard and the logs of execution ${exportTaskIdentifier}; if the cause is resolved, re-run ` +
    'the export. Report the error name so it can be classified.',
  AwsThrottledError: () =>
    'AWS kept throttling the call ("Rate exceeded") after every retry. Find what else calls that API in ' +
    'this account and Region, or ask for a higher request quota, then re-run the export.',
  ExportSourceNotReadyError: ({ source }) =>
    `The snapshot ${source.arn} did not become available for export within the retries. Check its status ` +
    '(it must be "available"); re-run the export once it is.',
  ExportQuotaExceededError: () =>
    'The account kept running its limit of export tasks. List them with `aws rds describe-export-tasks ' +
    '--filters Name=status,Values=starting,in_progress,canceling`, cancel stuck ones, or lower the number ' +
    'of concurrent exports other tools start.',
  AwsServiceUnavailableError: () =>
    'AWS kept failing with server errors after every retry. Check the AWS Health Dashboard for RDS in this ' +
    'Region and re-run the export once it recovers.',
};

/** Step Functions' own errors and the state machine's, which reach `$.error` like ours do. */
const STATES_REMEDIES: Record<string, Remedy> = {
  UnexpectedStartResult: ({ exportTaskIdentifier }) =>
    'start-export returned an outcome the state machine does not handle: the deployed function and ' +
    'statemachines/export.asl.yml disagree. Deploy both from the same commit, then re-run the export ' +
    `(check first whether task ${exportTaskIdentifier} was started: \`aws rds describe-export-tasks ` +
    `--export-task-identifier ${exportTaskIdentifier}\`).`,
  'States.Runtime': ({ exportTaskIdentifier }) =>
    `The state machine hit a runtime error (a path missing from the state). Read the history of execution ` +
    `${exportTaskIdentifier} to find the state, fix the function or the ASL that produced it, and re-run the export.`,
  'States.Timeout': ({ exportTaskIdentifier }) =>
    `The execution exceeded its time limit. Check export task ${exportTaskIdentifier} with ` +
    `\`aws rds describe-export-tasks --export-task-identifier ${exportTaskIdentifier}\`; a very large ` +
    'snapshot may need a longer state machine timeout.',
  'Lambda.ServiceException': () => 'Lambda failed to run the function; re-run the export.',
  'Lambda.TooManyRequestsException': () =>
    'Lambda throttled the function; raise its reserved concurrency or the account limit and re-run the export.',
};

/**
 * The fix for an error name in an RDS export's own names (its request's role, bucket and key), or
 * undefined for a name nobody classified. A graph's remedies fall back to these where they have no
 * fix of their own, and read only the job's common members then.
 */
export function rdsRemedy(errorName: string, job: ExportJob, message: string): string | undefined {
  const remedy = (REMEDIES as Record<string, Remedy | undefined>)[errorName] ?? STATES_REMEDIES[errorName];
  return remedy?.(job as RdsExportJob, message);
}

export function kmsRemedy({ request }: RdsExportJob): string {
  const keyArn = keyArnOrHint(request.KmsKeyId);
  return [
    `The KMS key ${request.KmsKeyId} cannot be used for this export. It must be an enabled symmetric ` +
      'encryption key in the same Region as the snapshot. Add this statement to the key policy so the ' +
      `export role ${request.IamRoleArn} can use it:`,
    jsonBlock(exportRoleKeyPolicyStatement(request.IamRoleArn)),
    'and let the role that calls StartExportTask (the start-export function) describe the key and create ' +
      'grants, in its IAM policy (the key policy must also allow it, e.g. through the account root statement):',
    jsonBlock(callerKmsStatement(keyArn)),
    `If the key policy has a Deny statement, exclude the service principal ${EXPORT_SERVICE_PRINCIPAL} from it.`,
  ].join('\n\n');
}

export function roleMissingPermissionsRemedy({ request }: RdsExportJob): string {
  return [
    `The export role ${request.IamRoleArn} lacks permissions on bucket ${request.S3BucketName}. It needs ` +
      `${EXPORT_ROLE_S3_ACTIONS.join(', ')} on arn:aws:s3:::${request.S3BucketName} and ` +
      `arn:aws:s3:::${request.S3BucketName}/*. Attach this policy to role ${roleName(request.IamRoleArn)}:`,
    jsonBlock(exportRoleS3Policy(request.S3BucketName)),
    `and make sure its trust policy lets ${EXPORT_SERVICE_PRINCIPAL} assume it:`,
    jsonBlock(exportRoleTrustPolicy()),
  ].join('\n\n');
}

export function bucketRemedy({ request, source }: RdsExportJob): string {
  const region = (isArn(source.arn) && parseArn(source.arn).region) || 'the snapshot’s Region';
  return (
    `The bucket ${request.S3BucketName} does not exist or is not in ${region}, the snapshot's Region: an ` +
    `export can only write to a bucket in the same Region. Check with \`aws s3api get-bucket-location ` +
    `--bucket ${request.S3BucketName}\`, then create the bucket in ${region} or point the policy rule ` +
    '(or EXPORT_BUCKET) at one that is.'
  );
}

const PARTIAL_EXPORT_NAME = /^[A-Za-z0-9$_]+$/;

function exportOnlyRemedy({ request, source, rule }: RdsExportJob): string {
  const postgres = /postgres/i.test(source.engine);
  const forms = postgres
    ? 'database, database.schema or database.schema.table'
    : 'database or database.table';
  const maxParts = postgres ? 3 : 2;
  const wrong = (request.ExportOnly ?? []).filter((entry) => {
    const parts = entry.split('.');
    return parts.length > maxParts || !parts.every((part) => PARTIAL_EXPORT_NAME.test(part));
  });
  return (
    `The ExportOnly list of rule "${rule}" is not valid for engine ${source.engine}: entries must take ` +
    `the form ${forms}, and every name may ` +
    'only contain A-Z, a-z, 0-9, $ and _ (tables with other characters can only be exported with the whole ' +
    `snapshot).${wrong.length > 0 ? ` Entries to fix: ${wrong.join(', ')}.` : ''} Fix ExportOnly in the ` +
    'policy rule (or drop it to export everything) and re-run the export.'
  );
}

function parameterRemedy({ request }: RdsExportJob, message: string): string {
  const id = request.ExportTaskIdentifier;
  const broken = [
    !/^[A-Za-z]/.test(id) && 'it must begin with a letter',
    !/^[A-Za-z0-9-]*$/.test(id) && 'it may only contain ASCII letters, digits and hyphens',
    id.includes('--') && 'it must not contain two consecutive hyphens',
    id.endsWith('-') && 'it must not end with a hyphen',
    (id.length < 1 || id.length > 60) && 'it must be 1 to 60 characters long',
  ].filter((rule): rule is string => typeof rule === 'string');
  const why = broken.length > 0 ? `ExportTaskIdentifier "${id}" is invalid: ${broken.join('; ')}. ` : '';
  return (
    `StartExportTask rejected a parameter${message ? ` (${message})` : ''}. ${why}Identifiers must begin ` +
    'with a letter, contain only ASCII letters, digits and hyphens, not end with a hyphen or contain "--", ' +
    'and be at most 60 characters; bucket, role and key must be given as names or ARNs. Correct the policy ' +
    'rule and re-run the export.'
  );
}
