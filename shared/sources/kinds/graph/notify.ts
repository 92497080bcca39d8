import type { GraphExportJob } from '#shared/contract/execution.ts';
import type { KindNotify } from '#shared/sources/kinds/types.ts';
import { rdsRemedy } from '#shared/sources/rds/remedies.ts';
import { explainGraphFailure, GRAPH_REMEDIES } from './remedies.ts';

type GraphRemedies = Record<string, ((job: GraphExportJob, message: string) => string) | undefined>;

/**
 * What a graph export's notifications say besides what every export's do: the format, the vertices
 * and edges written (GetExportTask exportTaskDetails) and the Neptune Analytics task id; its own
 * fixes name the neptune-graph request's members.
 */
export const graphNotify: KindNotify = {
  service: 'Neptune Analytics',

  details(state, task) {
    const job = state as GraphExportJob;
    return {
      graph: job.source.sourceIdentifier,
      graphIdentifier: job.request.graphIdentifier,
      format: job.request.format,
      ...(task?.exportTaskIdentifier ? { graphExportTask: task.exportTaskIdentifier } : {}),
      ...(task?.verticesWritten === undefined ? {} : { verticesWritten: task.verticesWritten }),
      ...(task?.edgesWritten === undefined ? {} : { edgesWritten: task.edgesWritten }),
    };
  },

  /** Everything below the destination is the export's (the task's prefix, as it reports it). */
  destination(state, task) {
    if (task?.s3Bucket) return `s3://${task.s3Bucket}/${task.s3Prefix ? `${task.s3Prefix}/` : ''}`;
    return (state as GraphExportJob).request.destination;
  },

  unknownStatus: (state, status) => ({
    cause: `Neptune Analytics reported status "${status}", which the pipeline does not know, so it stopped tracking the export.`,
    fix:
      `Check the task with \`aws neptune-graph list-export-tasks --graph-identifier ${(state as GraphExportJob).request.graphIdentifier}\`. ` +
      'If the service added a status, teach check-export about it (shared/sources/graph/export-tasks.ts); if the ' +
      'export succeeded, run registration again.',
  }),

  queuedTooLong: (state, active) => ({
    cause:
      `${active ?? 'Too many'} graph export task(s) are running in this account and Region; this pipeline starts ` +
      `at most ${state.limits.maxConcurrentExports} at once (maxConcurrentGraphExports).`,
    fix:
      'Nothing is dropped: the export starts as soon as a slot frees, and it keeps waiting. To start it sooner, list ' +
      'running exports with `aws neptune-graph list-export-tasks` and cancel any that are stuck or not needed, or ' +
      'raise maxConcurrentGraphExports in the policy.',
  }),

  // Where a graph has no fix of its own, the RDS one reads only the job's common members.
  remedy: (errorName, job, message) =>
    (GRAPH_REMEDIES as GraphRemedies)[errorName]?.(job as GraphExportJob, message) ??
    rdsRemedy(errorName, job, message),

  explainFailure: (cause, job) => explainGraphFailure(cause, job as GraphExportJob),
};
