import type { KindRegister, RdsRegistration } from '#shared/sources/kinds/types.ts';

/**
 * An RDS export (a snapshot's or a live cluster's) is registered table by table, from the folders
 * and metadata files RDS writes below the bucket and prefix its task reports (else its request's).
 */
export const rdsRegister: KindRegister = {
  register(job, registrations) {
    const request = job.request as { S3BucketName: string; S3Prefix?: string };
    const { task } = job.check;
    const input: RdsRegistration = {
      bucket: task.s3Bucket ?? request.S3BucketName,
      prefix: task.s3Prefix ?? request.S3Prefix,
      exportTaskIdentifier: job.exportTaskIdentifier,
      snapshotTime: task.snapshotTime,
      warningMessage: task.warningMessage,
      sourceIdentifier: job.source.sourceIdentifier,
      sourceKind: job.source.kind,
      engine: job.source.engine,
      ...(job.rule === undefined ? {} : { rule: job.rule }),
    };
    return registrations.rds(input);
  },
};
