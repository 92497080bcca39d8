import type { ExportTaskSummary, GraphExportJob } from '#shared/contract/execution.ts';

/**
 * What a graph export's notifications say besides what every export's do: the format, the vertices
 * and edges written (GetExportTask exportTaskDetails) and the Neptune Analytics task id.
 */
export function graphDetails(
  job: GraphExportJob,
  task: ExportTaskSummary | undefined,
): Record<string, string | number> {
  return {
    graph: job.source.sourceIdentifier,
    graphIdentifier: job.request.graphIdentifier,
    format: job.request.format,
    ...(task?.exportTaskIdentifier ? { graphExportTask: task.exportTaskIdentifier } : {}),
    ...(task?.verticesWritten === undefined ? {} : { verticesWritten: task.verticesWritten }),
    ...(task?.edgesWritten === undefined ? {} : { edgesWritten: task.edgesWritten }),
  };
}

/** Everything below the destination is the export's (the task's prefix, as it reports it). */
export function graphDestination(job: GraphExportJob, task: ExportTaskSummary | undefined): string {
  if (task?.s3Bucket) return `s3://${task.s3Bucket}/${task.s3Prefix ? `${task.s3Prefix}/` : ''}`;
  return job.request.destination;
}

export function graphUnknownStatus(job: GraphExportJob, status: string) {
  return {
    cause: `Neptune Analytics reported status "${status}", which the pipeline does not know, so it stopped tracking the export.`,
    fix:
      `Check the task with \`aws neptune-graph list-export-tasks --graph-identifier ${job.request.graphIdentifier}\`. ` +
      'If the service added a status, teach check-export about it (shared/sources/graph/export-tasks.ts); if the ' +
      'export succeeded, run registration again.',
  };
}

export function graphQueuedTooLong(job: GraphExportJob, active: number | undefined) {
  return {
    cause:
      `${active ?? 'Too many'} graph export task(s) are running in this account and Region; this pipeline starts ` +
      `at most ${job.limits.maxConcurrentExports} at once (maxConcurrentGraphExports).`,
    fix:
      'Nothing is dropped: the export starts as soon as a slot frees, and it keeps waiting. To start it sooner, list ' +
      'running exports with `aws neptune-graph list-export-tasks` and cancel any that are stuck or not needed, or ' +
      'raise maxConcurrentGraphExports in the policy.',
  };
}
