import type { ExportJob } from '#shared/contract/execution.ts';
import { notifyOf } from '#shared/sources/kinds/registry/notify.ts';

/**
 * The fix for an error name, in the job's own names (its source kind's remedies), or a generic one
 * (logs, re-run) for names nobody classified.
 */
export function remedyFor(errorName: string, job: ExportJob, message = ''): string {
  return (
    notifyOf(job.source.kind).remedy(errorName, job, message) ??
    `Unclassified error ${errorName}. Read the logs of execution ${job.exportTaskIdentifier} ` +
      '(start-export and check-export functions), fix the cause and re-run the export.'
  );
}
