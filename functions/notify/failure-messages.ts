import type { ExportJob } from '#shared/contract/execution.ts';
import { notifyOf } from '#shared/sources/kinds/registry/notify.ts';
import type { FailureExplanation } from '#shared/sources/kinds/types.ts';

/**
 * Matches a failed export task's cause to what to fix: RDS's against its documented failure
 * messages (shared/sources/rds/failure-messages.ts), a graph's statusReason against the usual
 * causes (Neptune Analytics documents no failure messages).
 */
export function explainFailureCause(cause: string | undefined, job: ExportJob): FailureExplanation {
  return notifyOf(job.source.kind).explainFailure(cause, job);
}
