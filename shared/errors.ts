/**
 * The pipeline's error hierarchy. An error's `name` is the contract with the state machine:
 * `statemachines/export.asl.yml` retries exactly the names in `RETRYABLE_ERROR_NAMES` and routes
 * every other error to an alert. Keep this file and the ASL `Retry` lists in step (a test checks).
 */

export interface ErrorContext {
  /** What went wrong, in words an operator understands. */
  readonly cause?: unknown;
}

/** Base of every error the pipeline raises on purpose. */
export abstract class PipelineError extends Error {
  abstract readonly retryable: boolean;
  constructor(message: string, options?: ErrorContext) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
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

/** The AWS API throttled the call ("Rate exceeded"). */
export class ExportThrottledError extends RetryableError {}
/** The snapshot is not yet in a state that can be exported (InvalidExportSourceStateFault). */
export class ExportSourceNotReadyError extends RetryableError {}
/** The service refused a start because the account already runs its export quota. */
export class ExportQuotaExceededError extends RetryableError {}
/** A 5xx or network failure talking to AWS. */
export class AwsServiceUnavailableError extends RetryableError {}

// ---- fatal -----------------------------------------------------------------------------------

/** The snapshot or cluster does not exist (DBSnapshotNotFound, DBClusterSnapshotNotFound, DBClusterNotFound). */
export class ExportSourceNotFoundError extends FatalError {}
/** The export role does not exist (IamRoleNotFoundFault). */
export class ExportRoleNotFoundError extends FatalError {}
/** The export role lacks permissions (IamRoleMissingPermissionsFault). */
export class ExportRoleMissingPermissionsError extends FatalError {}
/** The KMS key cannot be used by the caller or the export role (KMSKeyNotAccessibleFault). */
export class ExportKmsKeyNotAccessibleError extends FatalError {}
/** The S3 bucket does not exist or is in another Region (InvalidS3BucketFault). */
export class ExportBucketInvalidError extends FatalError {}
/** The ExportOnly list names something the engine cannot export (InvalidExportOnlyFault). */
export class ExportOnlyInvalidError extends FatalError {}
/** A request parameter was rejected (InvalidParameterValue), e.g. an invalid identifier. */
export class ExportParameterInvalidError extends FatalError {}
/** DescribeExportTasks does not know the task we started (ExportTaskNotFoundFault / empty list). */
export class ExportTaskNotFoundError extends FatalError {}
/** A state-machine task input, an event or a file written by AWS failed validation. */
export class InvalidInputError extends FatalError {}
/** The policy file is invalid. */
export class PolicyError extends FatalError {}
/** Configuration (environment) is missing or invalid: fails the cold start. */
export class ConfigurationError extends FatalError {}
/** An AWS error the pipeline has no classification for. */
export class UnexpectedAwsError extends FatalError {}

/** Error names the ASL may list in `Retry`. Nothing else may appear there. */
export const RETRYABLE_ERROR_NAMES = [
  'ExportThrottledError',
  'ExportSourceNotReadyError',
  'ExportQuotaExceededError',
  'AwsServiceUnavailableError',
] as const;

/** Error names that end an execution with an alert. */
export const FATAL_ERROR_NAMES = [
  'ExportSourceNotFoundError',
  'ExportRoleNotFoundError',
  'ExportRoleMissingPermissionsError',
  'ExportKmsKeyNotAccessibleError',
  'ExportBucketInvalidError',
  'ExportOnlyInvalidError',
  'ExportParameterInvalidError',
  'ExportTaskNotFoundError',
  'InvalidInputError',
  'PolicyError',
  'ConfigurationError',
  'UnexpectedAwsError',
] as const;

export type RetryableErrorName = (typeof RETRYABLE_ERROR_NAMES)[number];
export type FatalErrorName = (typeof FATAL_ERROR_NAMES)[number];
