import { type ExportRun, field, parseJson, taskOf } from './executions.ts';

/** How the commands name an export's outcome and its cause, from the execution that ran it. */

export const OUTCOMES = ['RUNNING', 'COMPLETE', 'FAILED', 'CANCELED', 'ABORTED', 'TIMED_OUT'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The export's outcome: the execution's status, read through the errors the machine ends with. */
export function outcomeOf(run: ExportRun): Outcome {
  switch (run.executionStatus) {
    case 'RUNNING':
      return 'RUNNING';
    case 'SUCCEEDED':
      return 'COMPLETE';
    case 'ABORTED':
      return 'ABORTED';
    case 'TIMED_OUT':
      return 'TIMED_OUT';
  }
  const error = run.ending?.error;
  if (error === 'ExportCanceled') return 'CANCELED';
  // The data is in S3; only the catalog registration failed (the cause says why).
  if (error === 'TablesNotRegistered') return 'COMPLETE';
  return 'FAILED';
}

/** The Lambda error document's message in a Catch's Cause, else the Cause itself. */
function causeText(cause: string | undefined): string | undefined {
  const document = parseJson(cause);
  const message = field(document, 'errorMessage');
  return typeof message === 'string' ? message : cause;
}

/** Why an export did not complete (or its tables were not registered), in the service's words. */
export function causeOf(run: ExportRun): string | undefined {
  const error = run.ending?.error;
  const task = taskOf(run);
  // Stopped or timed out, the execution's own ending says why (StopExecution's cause).
  if (run.executionStatus === 'TIMED_OUT') return 'the execution reached the state machine timeout (7 days)';
  if (run.executionStatus === 'ABORTED') return run.ending?.cause ?? 'the execution was stopped';
  if (error === 'ExportFailed') return task?.failureCause ?? 'RDS reported the export task FAILED';
  if (error === 'ExportCanceled') return 'the export task was canceled';
  if (error === 'UnknownExportStatus') return `RDS reported the unknown status ${task?.status ?? '?'}`;
  if (run.error !== undefined) return `${run.error.Error}: ${causeText(run.error.Cause) ?? ''}`.trim();
  if (error !== undefined) return run.ending?.cause === undefined ? error : `${error}: ${run.ending.cause}`;
  return undefined;
}
