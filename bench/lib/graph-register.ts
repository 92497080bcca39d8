import type { PutObjectCommand } from '@aws-sdk/client-s3';
import { registerGraphExport } from '#functions/register-export/graph-register.ts';
import type { RegisterDeps } from '#functions/register-export/register.ts';
import { writeGraphExport } from '#local/neptune-graph/export-files.ts';
import { planExport } from '#local/neptune-graph/export-plan.ts';
import { type PropertyGraph, type Vertex, v } from '#local/neptune-graph/property-graph.ts';

/**
 * Graph exports for bench/register.bench.ts: a synthetic property graph of `labels` vertex labels
 * and as many edge labels, written by the local Neptune Analytics export writer (real Parquet or
 * loader CSV, one file per label), and its registration by functions/register-export.
 */

const ROWS_PER_LABEL = 20;
/** The local writer puts 2 rows in a file (local/neptune-graph/export-files.ts), as an export splits a label. */
export const FILES_PER_LABEL = ROWS_PER_LABEL / 2;

/** Vertex label i links to label i + 1 by edge label i; every loader type and a multi-valued property. */
export function syntheticGraph(labels: number): PropertyGraph {
  const name = (i: number) => `label_${String(i % labels).padStart(4, '0')}`;
  const vertices: Vertex[] = [];
  const edges: PropertyGraph['edges'] = [];
  for (let l = 0; l < labels; l++) {
    for (let r = 0; r < ROWS_PER_LABEL; r++) {
      vertices.push({
        id: `${name(l)}-${r}`,
        labels: [name(l)],
        properties: {
          title: v.string(`item ${r}`),
          count: v.int(r),
          total: v.long(BigInt(r) * 1_000_000_007n),
          ratio: v.double(r / 7),
          active: v.bool(r % 2 === 0),
          day: v.date('2026-01-02'),
          at: v.dateTime('2026-01-02T03:04:05Z'),
          tags: [v.string('a'), v.string('b')],
        },
      });
      edges.push({
        id: `e-${name(l)}-${r}`,
        label: `links_${name(l)}`,
        from: `${name(l)}-${r}`,
        to: `${name(l + 1)}-${r}`,
        properties: { weight: v.double(r / 3), since: v.date('2025-12-31') },
      });
    }
  }
  return { vertices, edges };
}

/** The export's objects by key, below `x/<name>/<task id>/` as the local endpoint writes them. */
export async function graphExportTree(
  name: string,
  graph: PropertyGraph,
  format: 'PARQUET' | 'CSV',
): Promise<Map<string, Uint8Array>> {
  const objects = new Map<string, Uint8Array>();
  const s3 = {
    send: async (command: PutObjectCommand) => {
      objects.set(command.input.Key ?? '', command.input.Body as Uint8Array);
      return {};
    },
  };
  await writeGraphExport(s3 as never, 'b', `x/${name}/t-bench00000/`, planExport(graph, undefined), format);
  return objects;
}

/** Registers one graph export; `deps.s3` serves `objects`. */
export async function registerGraph(
  name: string,
  format: 'PARQUET' | 'CSV',
  day: number,
  deps: RegisterDeps,
) {
  const result = await registerGraphExport(
    {
      bucket: 'b',
      prefix: `x/${name}`,
      exportTaskIdentifier: 't-bench00000',
      snapshotTime: `2026-01-0${day}T00:00:00Z`,
      sourceIdentifier: `bench-graph-${format.toLowerCase()}`,
      format,
    },
    deps,
  );
  if (result.failed.length > 0) throw new Error(`registration failed: ${JSON.stringify(result.failed[0])}`);
  return result;
}

type Glue = RegisterDeps['glue'] & { calls: string[] };
type CountingS3 = RegisterDeps['s3'] & { requests: number };

/** One graph registration's wall time, Glue calls and writes and S3 requests, as register.bench.ts's `run`. */
export async function measureGraph(
  glue: Glue,
  s3: CountingS3,
  name: string,
  format: 'PARQUET' | 'CSV',
  day: number,
  concurrency: number,
) {
  const before = glue.calls.length;
  const started = performance.now();
  const result = await registerGraph(name, format, day, {
    glue,
    s3,
    databasePrefix: 'rds_export_',
    glueConcurrency: concurrency,
    s3Concurrency: 32,
  });
  const ms = performance.now() - started;
  const calls = glue.calls.slice(before);
  return {
    ms,
    glueCalls: calls.length,
    writes: calls.filter((c) => /^(Create|Update|BatchCreate)/.test(c)).length,
    viewWrites: 0,
    s3: s3.requests,
    tables: result.registeredCount ?? result.registered.length,
  };
}
