import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';
import {
  AwsConflictError,
  AwsServiceUnavailableError,
  AwsThrottledError,
  ConfigurationError,
  type ErrorClass,
  ExportBucketInvalidError,
  ExportKmsKeyNotAccessibleError,
  ExportOnlyInvalidError,
  ExportParameterInvalidError,
  ExportQuotaExceededError,
  ExportRoleMissingPermissionsError,
  ExportRoleNotFoundError,
  ExportSourceNotFoundError,
  ExportSourceNotReadyError,
  ExportTaskNotFoundError,
  InvalidInputError,
  PipelineError,
  UnexpectedAwsError,
} from '../contract/errors.ts';

/**
 * The one classifier of AWS errors. The generic decisions (throttling, transient, server fault)
 * are the SDK's own, from @smithy/service-error-classification; what each service documents is
 * data below. Names are compared without their `Fault` / `Exception` suffix: the SDK names an
 * error after its exception class (`DBSnapshotNotFoundFault`, `KMSThrottlingException`), while an
 * error a client does not model arrives named after the wire code, which sometimes lacks it.
 */

export type AwsService =
  | 'rds'
  | 'sns'
  | 'sfn'
  | 'glue'
  | 's3'
  | 'ssm'
  | 'dynamodb'
  | 'neptune-graph'
  | 'cloudformation'
  | 'iam'
  | 'kms'
  | 'organizations'
  | 'events';

type FaultTable = Readonly<Record<string, ErrorClass>>;

const FAULTS: Readonly<Record<AwsService, FaultTable>> = {
  // StartExportTask / DescribeExportTasks / Describe*Snapshots API references (botocore rds/2014-10-31).
  rds: {
    DBSnapshotNotFound: ExportSourceNotFoundError,
    DBClusterSnapshotNotFound: ExportSourceNotFoundError,
    DBClusterNotFound: ExportSourceNotFoundError,
    DBInstanceNotFound: ExportSourceNotFoundError,
    IamRoleNotFound: ExportRoleNotFoundError,
    IamRoleMissingPermissions: ExportRoleMissingPermissionsError,
    KMSKeyNotAccessible: ExportKmsKeyNotAccessibleError,
    InvalidS3Bucket: ExportBucketInvalidError,
    InvalidExportOnly: ExportOnlyInvalidError,
    InvalidExportSourceState: ExportSourceNotReadyError,
    ExportTaskNotFound: ExportTaskNotFoundError,
    // Reported in public code past the five concurrent exports; not in the API model.
    ExportTaskLimitReached: ExportQuotaExceededError,
    InvalidParameterValue: ExportParameterInvalidError,
    InvalidParameterCombination: ExportParameterInvalidError,
    MissingParameter: ExportParameterInvalidError,
    ValidationError: ExportParameterInvalidError,
    AccessDenied: ConfigurationError,
  },
  // Publish API reference (sns/2010-03-31): the topic is KMS-encrypted, so KMS faults come through SNS.
  sns: {
    NotFound: ConfigurationError,
    AuthorizationError: ConfigurationError,
    InvalidParameter: InvalidInputError,
    InvalidParameterValue: InvalidInputError,
    KMSThrottling: AwsThrottledError,
    KMSAccessDenied: ConfigurationError,
    KMSDisabled: ConfigurationError,
    KMSInvalidState: ConfigurationError,
    KMSNotFound: ConfigurationError,
    KMSOptInRequired: ConfigurationError,
    InternalError: AwsServiceUnavailableError,
  },
  // StartExecution / DescribeExecution API references (states/2016-11-23).
  sfn: {
    StateMachineDoesNotExist: ConfigurationError,
    StateMachineDeleting: ConfigurationError,
    InvalidArn: ConfigurationError,
    InvalidName: InvalidInputError,
    InvalidExecutionInput: InvalidInputError,
    // Too many open executions: the same call succeeds once some finish.
    ExecutionLimitExceeded: AwsThrottledError,
    KmsThrottling: AwsThrottledError,
    KmsAccessDenied: ConfigurationError,
    AccessDenied: ConfigurationError,
  },
  // Glue API reference (glue/2017-03-31), common errors of the catalog calls.
  glue: {
    ConcurrentModification: AwsConflictError,
    InternalService: AwsServiceUnavailableError,
    OperationTimeout: AwsServiceUnavailableError,
    AccessDenied: ConfigurationError,
    GlueEncryption: ConfigurationError,
    // Past a catalog quota (tables, versions, partitions) every write fails until an operator acts.
    ResourceNumberLimitExceeded: ConfigurationError,
    InvalidInput: InvalidInputError,
  },
  s3: {
    NoSuchBucket: ConfigurationError,
    AccessDenied: ConfigurationError,
    InvalidObjectState: ConfigurationError,
  },
  ssm: {
    ParameterNotFound: ConfigurationError,
    ParameterVersionNotFound: ConfigurationError,
    AccessDenied: ConfigurationError,
    InternalServerError: AwsServiceUnavailableError,
  },
  // DynamoDB API reference (dynamodb/2012-08-10), common errors of GetItem / PutItem.
  dynamodb: {
    ResourceNotFound: ConfigurationError,
    AccessDenied: ConfigurationError,
    InternalServerError: AwsServiceUnavailableError,
    TransactionConflict: AwsConflictError,
    ItemCollectionSizeLimitExceeded: ConfigurationError,
    Validation: InvalidInputError,
  },
  // DescribeStacks (cloudformation/2010-05-15), which the rds-export CLI reads its deployment from.
  cloudformation: {
    AccessDenied: ConfigurationError,
  },
  // IAM API reference (iam/2010-05-08), GetRole's errors: NoSuchEntity (404, "referenced a resource
  // entity that does not exist") and ServiceFailure (500). rds-export doctor reads roles with it.
  iam: {
    NoSuchEntity: ConfigurationError,
    AccessDenied: ConfigurationError,
    ServiceFailure: AwsServiceUnavailableError,
  },
  // AWS KMS API reference (kms/2014-11-01), GetKeyPolicy's errors: NotFoundException,
  // InvalidArnException and KMSInvalidStateException (client faults), KMSInternalException and
  // DependencyTimeoutException (server faults). rds-export doctor reads the key's policy.
  kms: {
    NotFound: ConfigurationError,
    InvalidArn: ConfigurationError,
    KMSInvalidState: ConfigurationError,
    AccessDenied: ConfigurationError,
    KMSInternal: AwsServiceUnavailableError,
    DependencyTimeout: AwsServiceUnavailableError,
  },
  // AWS Organizations API reference (organizations/2016-11-28), ListAccounts' errors: AccessDenied
  // (the caller is not the management account or a delegated administrator),
  // AWSOrganizationsNotInUse, InvalidInput, TooManyRequests (client faults) and Service (server).
  // `rds-export accounts` reads the Organization's accounts with it.
  organizations: {
    AccessDenied: ConfigurationError,
    AWSOrganizationsNotInUse: ConfigurationError,
    InvalidInput: InvalidInputError,
    TooManyRequests: AwsThrottledError,
    Service: AwsServiceUnavailableError,
  },
  // EventBridge API reference, DescribeRule's errors: ResourceNotFoundException ("An entity that you
  // specified does not exist") and InternalException. rds-export doctor reads the intake rules.
  events: {
    ResourceNotFound: ConfigurationError,
    AccessDenied: ConfigurationError,
    Internal: AwsServiceUnavailableError,
  },
  // Neptune Analytics API reference (neptune-graph/2023-11-29).
  'neptune-graph': {
    ResourceNotFound: ExportSourceNotFoundError,
    Validation: ExportParameterInvalidError,
    // The service's concurrent-export limit is undocumented: a conflict or quota refusal waits.
    Conflict: ExportQuotaExceededError,
    ServiceQuotaExceeded: ExportQuotaExceededError,
    InternalServer: AwsServiceUnavailableError,
    AccessDenied: ConfigurationError,
  },
};

/**
 * The error past the five-export quota is not documented, so besides its reported name it is
 * recognised by shape: a quota/limit name, or a message about the number of export tasks.
 */
const QUOTA_NAME = /quota|limit(exceeded|reached)?|maximum/i;
const QUOTA_MESSAGE =
  /(quota|limit|maximum number|too many|concurrent)[^.]*\bexport tasks?\b|\bexport tasks?\b[^.]*(quota|limit|maximum|too many|concurrent)/i;
const RATE_MESSAGE = /rate exceeded|throttl/i;
/** Request-rate limits (RequestLimitExceeded) are throttling, not the export quota. */
const RATE_NAME = /^Request(Limit|Throttl)|Throttl/i;

type SdkLike = Error & {
  Code?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
};

const bare = (name: string) => name.replace(/(Fault|Exception)$/, '');

function documented(service: AwsService, e: SdkLike): ErrorClass | undefined {
  const table = FAULTS[service];
  const code = typeof e.Code === 'string' ? e.Code : typeof e.code === 'string' ? e.code : undefined;
  return table[bare(e.name)] ?? (code === undefined ? undefined : table[bare(code)]);
}

function pick(service: AwsService, e: SdkLike): ErrorClass {
  const known = documented(service, e);
  if (service === 'rds' && (known === undefined || known === ExportParameterInvalidError)) {
    // An InvalidParameter* about the export quota is the quota.
    if (QUOTA_MESSAGE.test(e.message) || (QUOTA_NAME.test(e.name) && !RATE_NAME.test(e.name))) {
      return ExportQuotaExceededError;
    }
  }
  if (known !== undefined) return known;
  const sdk = e as unknown as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(sdk) || RATE_MESSAGE.test(e.message)) return AwsThrottledError;
  if (isTransientError(sdk) || isServerError(sdk) || e.$fault === 'server') return AwsServiceUnavailableError;
  return UnexpectedAwsError;
}

/**
 * Maps an error from an AWS call to the pipeline's error class (its `name` is what the ASL retries
 * or catches). The AWS error name and message stay in the message, the original in `cause`.
 */
export function classifyAwsError(error: unknown, service: AwsService, operation: string): PipelineError {
  if (error instanceof PipelineError) return error;
  if (!(error instanceof Error)) {
    return new UnexpectedAwsError(`${operation} failed: ${String(error)}`, { cause: error });
  }
  const ErrorType = pick(service, error as SdkLike);
  return new ErrorType(`${operation} failed: ${error.name}: ${error.message}`, { cause: error });
}

/** True when a later attempt of the same AWS call may succeed. */
export function isRetryableAwsError(error: unknown, service: AwsService): boolean {
  return classifyAwsError(error, service, 'call').retryable;
}

/**
 * The AWS SDK's error behind `error`: the error itself, or the `cause` of the pipeline error a
 * classified client (classified.ts) threw for it.
 */
export function awsCause(error: unknown): unknown {
  return error instanceof PipelineError && error.cause !== undefined ? error.cause : error;
}

/**
 * True when `error` is the AWS error `name` (with or without its Fault / Exception suffix), thrown
 * as is or classified by a classified client.
 */
export function isAwsError(error: unknown, name: string): boolean {
  const aws = awsCause(error);
  return aws instanceof Error && bare(aws.name) === bare(name);
}
