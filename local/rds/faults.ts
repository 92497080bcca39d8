/**
 * An RDS Query-protocol error. `code` is the wire `<Code>` the SDK maps to its exception class
 * (client-rds error schemas, awsQueryError: `ExportTaskAlreadyExists` → ExportTaskAlreadyExistsFault,
 * `DBSnapshotNotFound` → DBSnapshotNotFoundFault, ...).
 */
export class RdsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'RdsFault';
  }
}

export const fault = {
  alreadyExists: (id: string) =>
    new RdsFault('ExportTaskAlreadyExists', `The export task with the ID ${id} already exists.`),
  invalidIdentifier: () =>
    new RdsFault(
      'InvalidParameterValue',
      'The parameter ExportTaskIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
    ),
  invalidParameter: (message: string) => new RdsFault('InvalidParameterValue', message),
  missingParameter: (name: string) =>
    new RdsFault('MissingParameter', `The request must contain the parameter ${name}.`),
  snapshotNotFound: (id: string) => new RdsFault('DBSnapshotNotFound', `DBSnapshot ${id} not found.`, 404),
  clusterSnapshotNotFound: (id: string) =>
    new RdsFault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`, 404),
  clusterNotFound: (id: string) => new RdsFault('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404),
  roleNotFound: (arn: string) => new RdsFault('IamRoleNotFound', `IAM role ${arn} not found.`, 404),
  roleMissingPermissions: (arn: string) =>
    new RdsFault('IamRoleMissingPermissions', `The IAM role ${arn} is missing permissions for the export.`),
  kmsNotAccessible: (key: string) =>
    new RdsFault(
      'KMSKeyNotAccessibleFault',
      `The specified KMS key ${key} does not exist or is not accessible.`,
    ),
  invalidBucket: (bucket: string) =>
    new RdsFault(
      'InvalidS3BucketFault',
      `The S3 bucket ${bucket} isn't valid. Either it isn't located in the current AWS Region or it doesn't exist.`,
    ),
  invalidExportOnly: (message: string) => new RdsFault('InvalidExportOnly', message),
  sourceBusy: (arn: string) =>
    new RdsFault('InvalidExportSourceState', `An export task for the source ${arn} is already in progress.`),
  // Not documented by AWS (REFERENCE: "the error returned past the quota is not documented").
  quota: () =>
    new RdsFault(
      'ExportTaskLimitReached',
      'You have reached the maximum number of concurrent export tasks (5).',
    ),
  taskNotFound: (id: string) =>
    new RdsFault('ExportTaskNotFound', `The export task ${id} can't be found.`, 404),
  invalidTaskState: (id: string, status: string) =>
    new RdsFault('InvalidExportTaskStateFault', `The export task ${id} is ${status} and can't be canceled.`),
  throttling: () => new RdsFault('Throttling', 'Rate exceeded'),
};
