import type { RdsExportJob } from '#shared/contract/execution.ts';
import type { KindNotify } from '#shared/sources/kinds/types.ts';
import { explainRdsFailure } from './failure-messages.ts';
import { rdsRemedy } from './remedies.ts';

/** What notify says of an RDS export (a snapshot's or a live cluster's). */
export const rdsNotify: KindNotify = {
  service: 'RDS',

  details: () => ({}),

  /** Where the export writes: s3://bucket/prefix/exportTaskIdentifier/ (File naming convention). */
  destination(state, task) {
    const { request } = state as RdsExportJob;
    const bucket = task?.s3Bucket || request.S3BucketName;
    const prefix = (task?.s3Prefix ?? request.S3Prefix ?? '').replace(/^\/+|\/+$/g, '');
    return `s3://${bucket}/${prefix === '' ? '' : `${prefix}/`}${state.exportTaskIdentifier}/`;
  },

  unknownStatus: (state, status) => ({
    cause: `RDS reported status "${status}", which the pipeline does not know, so it stopped tracking the export.`,
    fix:
      `Check the task with \`aws rds describe-export-tasks --export-task-identifier ${state.exportTaskIdentifier}\`. ` +
      'If RDS added a status, teach check-export about it; if the export completed, run registration again.',
  }),

  queuedTooLong: (state, active) => ({
    cause:
      `${active ?? 'Too many'} export task(s) are running in this account and Region; this pipeline starts at most ${state.limits.maxConcurrentExports} at once ` +
      '(RDS allows 5 per account and Region).',
    fix:
      'Nothing is dropped: the export starts as soon as a slot frees, and it keeps waiting. To start it sooner, ' +
      'list running exports with `aws rds describe-export-tasks --filters Name=status,Values=starting,in_progress,canceling` ' +
      'and cancel any that are stuck or not needed, or raise maxConcurrentExports in the policy (at most 5).',
  }),

  remedy: rdsRemedy,

  explainFailure: (cause, job) => explainRdsFailure(cause, job as RdsExportJob),
};
