/**
 * The pipeline's error hierarchy. An error's `name` is the contract with the state machine:
 * `statemachines/export.asl.yml` retries exactly the names in `RETRYABLE_ERROR_NAMES` and routes
 * every other error to an alert (test/statemachines checks both ways). Each class spells its
 * `name` as a literal, so minified bundles keep it without keeping class names.
 */

export interface ErrorContext {
  /** The underlying error (an AWS SDK exception, a ZodError, ...). */
  readonly cause?: unknown;
}

/** Base of every error the pipeline raises on purpose. */
export abstract class PipelineError extends Error {
  abstract override readonly name: string;
  abstract readonly retryable: boolean;
  constructor(message: string, options?: ErrorContext) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** Transient: the same call may succeed later. */
export abstract class RetryableError extends PipelineError {
  readonly retryable = true;
}

/** Permanent: retrying the same call cannot succeed; an operator must act. */
export abstract class FatalError extends PipelineError {
  readonly retryable = false;
}

// ---- retryable -------------------------------------------------------------------------------

/** An AWS API (RDS, SNS, KMS through SNS, Step Functions, Glue, S3) throttled the call. */
export class AwsThrottledError extends RetryableError {
  readonly name = 'AwsThrottledError';
}
/** A 5xx, a timeout or a network failure talking to AWS. */
export class AwsServiceUnavailableError extends RetryableError {
  readonly name = 'AwsServiceUnavailableError';
}
/** A concurrent update of the same resource won (Glue ConcurrentModificationException). */
export class AwsConflictError extends RetryableError {
  readonly name = 'AwsConflictError';
}
/** The snapshot is not yet in a state that can be exported (InvalidExportSourceStateFault). */
export class ExportSourceNotReadyError extends RetryableError {
  readonly name = 'ExportSourceNotReadyError';
}
/** The service refused a start because the account already runs its export quota. */
export class ExportQuotaExceededError extends RetryableError {
  readonly name = 'ExportQuotaExceededError';
}

// ---- fatal -----------------------------------------------------------------------------------

/** The snapshot or cluster does not exist (DBSnapshotNotFound, DBClusterSnapshotNotFound, DBClusterNotFound). */
export class ExportSourceNotFoundError extends FatalError {
  readonly name = 'ExportSourceNotFoundError';
}
/**
 * The source is in a state that lasts and cannot be exported (a Neptune Analytics graph STOPPED,
 * STOPPING, DELETING or FAILED when its export was to start): retrying cannot help until someone acts.
 */
export class ExportSourceUnavailableError extends FatalError {
  readonly name = 'ExportSourceUnavailableError';
}
/** The export role does not exist (IamRoleNotFoundFault). */
export class ExportRoleNotFoundError extends FatalError {
  readonly name = 'ExportRoleNotFoundError';
}
/** The export role lacks permissions (IamRoleMissingPermissionsFault). */
export class ExportRoleMissingPermissionsError extends FatalError {
  readonly name = 'ExportRoleMissingPermissionsError';
}
/** The KMS key cannot be used by the caller or the export role (KMSKeyNotAccessibleFault). */
export class ExportKmsKeyNotAccessibleError extends FatalError {
  readonly name = 'ExportKmsKeyNotAccessibleError';
}
/** The S3 bucket does not exist or is in another Region (InvalidS3BucketFault). */
export class ExportBucketInvalidError extends FatalError {
  readonly name = 'ExportBucketInvalidError';
}
/** The ExportOnly list names something the engine cannot export (InvalidExportOnlyFault). */
export class ExportOnlyInvalidError extends FatalError {
  readonly name = 'ExportOnlyInvalidError';
}
/** A request parameter was rejected (InvalidParameterValue), e.g. an invalid identifier. */
export class ExportParameterInvalidError extends FatalError {
  readonly name = 'ExportParameterInvalidError';
}
/** DescribeExportTasks does not know the task we started (ExportTaskNotFoundFault / empty list). */
export class ExportTaskNotFoundError extends FatalError {
  readonly name = 'ExportTaskNotFoundError';
}
/** The export task identifier is held by a task of another source or snapshot time. */
export class ExportTaskConflictError extends FatalError {
  readonly name = 'ExportTaskConflictError';
}
/** A state-machine task input, an event, a CLI argument or a file written by AWS failed validation. */
export class InvalidInputError extends FatalError {
  readonly name = 'InvalidInputError';
}
/** The policy file is invalid. */
export class PolicyError extends FatalError {
  readonly name = 'PolicyError';
}
/** Configuration (environment, topic, parameter, permissions) is missing or invalid. */
export class ConfigurationError extends FatalError {
  readonly name = 'ConfigurationError';
}
/** An AWS error the pipeline has no classification for. */
export class UnexpectedAwsError extends FatalError {
  readonly name = 'UnexpectedAwsError';
}

export type ErrorClass = new (message: string, options?: ErrorContext) => PipelineError;

/** Every retryable class; the ASL's `Retry` lists name exactly these. */
export const RETRYABLE_ERRORS = [
  AwsThrottledError,
  AwsServiceUnavailableError,
  AwsConflictError,
  ExportSourceNotReadyError,
  ExportQuotaExceededError,
] as const;

/** Every fatal class: each ends an execution with an alert. */
export const FATAL_ERRORS = [
  ExportSourceNotFoundError,
  ExportSourceUnavailableError,
  ExportRoleNotFoundError,
  ExportRoleMissingPermissionsError,
  ExportKmsKeyNotAccessibleError,
  ExportBucketInvalidError,
  ExportOnlyInvalidError,
  ExportParameterInvalidError,
  ExportTaskNotFoundError,
  ExportTaskConflictError,
  InvalidInputError,
  PolicyError,
  ConfigurationError,
  UnexpectedAwsError,
] as const;

export type RetryableErrorName = InstanceType<(typeof RETRYABLE_ERRORS)[number]>['name'];
export type FatalErrorName = InstanceType<(typeof FATAL_ERRORS)[number]>['name'];

const nameOf = <E extends ErrorClass>(E: E) => new E('').name as InstanceType<E>['name'];

/** Error names the ASL may list in `Retry`. Nothing else may appear there. */
export const RETRYABLE_ERROR_NAMES: readonly RetryableErrorName[] = RETRYABLE_ERRORS.map(nameOf);
/** Error names that end an execution with an alert. */
export const FATAL_ERROR_NAMES: readonly FatalErrorName[] = FATAL_ERRORS.map(nameOf);
