import { LocalAthena } from './athena/engine.ts';
import { SAMPLE_GRAPH } from './neptune-graph/sample-graph.ts';
import { findTable, waitForNamed } from './runtime/progress.ts';
import type { Execution } from './sfn/server.ts';
import type { LocalStack } from './stack.ts';

/**
 * `npm start -- --source graph [--format csv]`: the sample property graph in the local Neptune
 * Analytics account, exported on one slot of the local policy's schedule `local-graphs` (as Parquet,
 * or as CSV for the graph the CSV rule names), tracked, registered, and asked a graph question in
 * SQL through the registered Glue tables.
 */

/** The sample graph's name: the local policy exports `sample-graph-csv*` as CSV. */
export function sampleGraphName(format: 'parquet' | 'csv'): string {
  return format === 'csv' ? 'sample-graph-csv' : 'sample-graph';
}

export async function exportGraph(
  stack: LocalStack,
  format: 'parquet' | 'csv',
  report: (line: string) => void,
): Promise<Execution[]> {
  const graph = stack.graphs.add(sampleGraphName(format), SAMPLE_GRAPH);
  report(
    `graph ${graph.name} (${graph.id}): ${SAMPLE_GRAPH.vertices.length} vertices, ${SAMPLE_GRAPH.edges.length} edges; ` +
      'firing one slot of schedule local-graphs',
  );
  const run = (await stack.fireSchedule('local-graphs')) as {
    decisions: { source?: string; action: string; reason: string; exportTaskIdentifier?: string }[];
  };
  const decision = run.decisions.find((d) => d.source === graph.name);
  if (decision?.exportTaskIdentifier === undefined) {
    throw new Error(
      `schedule local-graphs did not export ${graph.name}: ${decision?.reason ?? 'not selected'}`,
    );
  }
  report(`decision: ${decision.action} (${decision.reason})`);
  return waitForNamed(stack, [decision.exportTaskIdentifier]);
}

/** Each customer's number of orders, through the `placed` edges: the graph question, in SQL. */
export async function askGraphQuestion(
  stack: LocalStack,
  report: (line: string) => void,
): Promise<unknown[][]> {
  const customers = findTable(stack.catalog, 'vertex.customer');
  const placed = findTable(stack.catalog, 'edge.placed');
  if (!customers || !placed)
    throw new Error('the vertex table customer and the edge table placed were not registered');
  const sql = `SELECT c.name, count(p."_to") AS orders
FROM "${customers.DatabaseName}"."${customers.Name}" c
LEFT JOIN "${placed.DatabaseName}"."${placed.Name}" p ON p."_from" = c."_id"
GROUP BY c.name ORDER BY orders DESC, c.name`;
  const athena = new LocalAthena(stack.catalog, stack.s3Client);
  try {
    const { columns, rows } = await athena.query(sql, [customers.DatabaseName]);
    report(`\ngraph question (DuckDB over the exported files, as Athena reads them from Glue):\n${sql}\n`);
    console.table(rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, String(row[i])]))));
    return rows;
  } finally {
    await athena.close();
  }
}
