import { parseS3Uri } from '#shared/sources/graph/request.ts';
import type { GraphRegistration, KindRegister } from '#shared/sources/kinds/types.ts';

/**
 * A Neptune Analytics export is registered label by label from everything below its destination
 * (the bucket and prefix its task reports, else its request's destination).
 */
export const graphRegister: KindRegister = {
  register(job, registrations) {
    const request = job.request as { destination: string; format: 'PARQUET' | 'CSV' };
    const { task } = job.check;
    const destination = parseS3Uri(request.destination);
    const input: GraphRegistration = {
      bucket: task.s3Bucket ?? destination.bucket,
      prefix: task.s3Prefix ?? destination.prefix,
      exportTaskIdentifier: job.exportTaskIdentifier,
      // The export clones the graph when it starts: its data is as of the task's start.
      snapshotTime: task.snapshotTime ?? job.source.scheduledTime ?? new Date().toISOString(),
      sourceIdentifier: job.source.sourceIdentifier,
      format: request.format,
      ...(job.rule === undefined ? {} : { rule: job.rule }),
    };
    return registrations.graph(input);
  },
};
