import { DEFAULT_MAX_CONCURRENT_GRAPH_EXPORTS, graphStartRequest } from '#shared/sources/graph/job.ts';
import { graphIdOf } from '#shared/sources/graph/request.ts';
import type { KindIdentity } from '#shared/sources/kinds/types.ts';
import { graphExportability } from '#shared/sources/rds/exportability.ts';

/**
 * A Neptune Analytics graph: it answers to its name and to its `g-…` identifier (which its ARN ends
 * in, so its export identifier reads with its name); it is exported with the neptune-graph request,
 * by a role that trusts neptune-graph.amazonaws.com (GRAPH_EXPORT_ROLE_ARN), in a pool of its own.
 */
export const graphIdentity: KindIdentity = {
  identifiers: (source) => [source.sourceIdentifier, graphIdOf(source.arn)],
  readableName: (source) => source.sourceIdentifier,
  exportability: graphExportability,
  unsupported: (settings) =>
    settings.exportOnly === undefined
      ? undefined
      : 'exportOnly does not apply to a graph: graphs are filtered with exportFilter',
  role: (settings, destination) => settings.role ?? destination?.graphRole,
  roleSetting: 'export.role or GRAPH_EXPORT_ROLE_ARN',
  request: ({ id, source, bucket, prefix, role, kmsKey, settings }) =>
    graphStartRequest({
      graphArn: source.arn,
      exportName: id,
      bucket,
      prefix,
      role,
      kmsKey,
      format: settings.format,
      exportFilter: settings.exportFilter,
    }),
  label: 'Graph:',
  api: 'neptune-graph StartExportTask',
  estimate: () => 'not estimated (Neptune Analytics charges graph exports by its own pricing)',
  maxConcurrentExports: (settings) =>
    settings.maxConcurrentGraphExports ?? DEFAULT_MAX_CONCURRENT_GRAPH_EXPORTS,
};
