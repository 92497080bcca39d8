import {
  AwsServiceUnavailableError,
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
  ExportThrottledError,
  PipelineError,
  UnexpectedAwsError,
} from './errors.ts';

type ErrorClass = new (message: string, options?: { cause?: unknown }) => PipelineError;

/**
 * Documented RDS faults by name without the `Fault` suffix: the SDK names an error after its
 * exception class (`DBSnapshotNotFoundFault`), while the Query protocol's wire code sometimes lacks
 * the suffix (`DBSnapshotNotFound`) and reaches us as the name when a client does not model it.
 * Sources: the StartExportTask and DescribeExportTasks API references (botocore `rds/2014-10-31`).
 */
const BY_NAME: Readonly<Record<string, ErrorClass>> = {
  DBSnapshotNotFound: ExportSourceNotFoundError,
  DBClusterSnapshotNotFound: ExportSourceNotFoundError,
  DBClusterNotFound: ExportSourceNotFoundError,
  IamRoleNotFound: ExportRoleNotFoundError,
  IamRoleMissingPermissions: ExportRoleMissingPermissionsError,
  KMSKeyNotAccessible: ExportKmsKeyNotAccessibleError,
  InvalidS3Bucket: ExportBucketInvalidError,
  InvalidExportOnly: ExportOnlyInvalidError,
  InvalidExportSourceState: ExportSourceNotReadyError,
  ExportTaskNotFound: ExportTaskNotFoundError,
  InvalidParameterValue: ExportParameterInvalidError,
  InvalidParameterCombination: ExportParameterInvalidError,
  MissingParameter: ExportParameterInvalidError,
  ValidationError: ExportParameterInvalidError,
};

/** Throttling codes across AWS protocols (the list the SDK's own retry strategy uses, in @smithy/core). */
const THROTTLING_NAMES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

const UNAVAILABLE_NAMES = new Set([
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Node.js socket errors: the call never got an answer, so it may be retried. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * The error past the five-export quota is not documented (REFERENCE: "not documented"), so it is
 * recognised by shape: a quota/limit name, or a message about the number of export tasks.
 */
const QUOTA_NAME = /quota|limit(exceeded|reached)?|maximum/i;
const QUOTA_MESSAGE =
  /(quota|limit|maximum number|too many|concurrent)[^.]*\bexport tasks?\b|\bexport tasks?\b[^.]*(quota|limit|maximum|too many|concurrent)/i;
const RATE_MESSAGE = /rate exceeded|throttl/i;

interface AwsLikeError {
  name: string;
  message: string;
  code?: string;
  status?: number;
  serverFault: boolean;
}

function inspect(error: unknown): AwsLikeError {
  if (!(error instanceof Error)) return { name: 'UnknownError', message: String(error), serverFault: false };
  const e = error as Error & {
    Code?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const code = typeof e.Code === 'string' ? e.Code : typeof e.code === 'string' ? e.code : undefined;
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  return { name: e.name, message: e.message, code, status, serverFault: e.$fault === 'server' };
}

function pick({ name, message, code, status, serverFault }: AwsLikeError): ErrorClass {
  const documented = BY_NAME[name.replace(/Fault$/, '')] ?? (code && BY_NAME[code.replace(/Fault$/, '')]);
  // A documented fault wins, except that an InvalidParameter* about the export quota is the quota.
  if (documented && documented !== ExportParameterInvalidError) return documented;
  if (QUOTA_MESSAGE.test(message) || (QUOTA_NAME.test(name) && !THROTTLING_NAMES.has(name))) {
    return ExportQuotaExceededError;
  }
  if (documented) return documented;
  if (THROTTLING_NAMES.has(name) || (code && THROTTLING_NAMES.has(code)) || status === 429) {
    return ExportThrottledError;
  }
  if (RATE_MESSAGE.test(message)) return ExportThrottledError;
  if (UNAVAILABLE_NAMES.has(name) || serverFault || (status !== undefined && status >= 500)) {
    return AwsServiceUnavailableError;
  }
  if ((code && NETWORK_CODES.has(code)) || NETWORK_CODES.has(name)) return AwsServiceUnavailableError;
  return UnexpectedAwsError;
}

/**
 * Maps an error from an RDS call to the pipeline's error class (its `name` is what the ASL
 * retries or catches). The AWS error name and message stay in the message and the `cause`.
 */
export function classifyRdsError(error: unknown, operation: string): PipelineError {
  if (error instanceof PipelineError) return error;
  const seen = inspect(error);
  const ErrorType = pick(seen);
  return new ErrorType(`${operation} failed: ${seen.name}: ${seen.message}`, { cause: error });
}

/** True for the fault StartExportTask returns when the identifier is taken (duplicate or earlier run). */
export function isExportTaskAlreadyExists(error: unknown): boolean {
  return error instanceof Error && error.name.replace(/Fault$/, '') === 'ExportTaskAlreadyExists';
}
