import { SAMPLE_GRAPH } from './neptune-graph/sample-graph.ts';
import { LOCAL_CREDENTIALS } from './s3/server.ts';
import { type LocalStack, REGION, STAGE } from './stack.ts';
import { sampleGraphName } from './start-graph.ts';

/**
 * `npm start -- --serve`: the stack keeps running for the rds-export CLI and any AWS client. stdout
 * gets only lines a shell can `eval` (or `source`): the SDKs' service-specific endpoint variables,
 * the Region (AWS_REGION for the JS SDK, AWS_DEFAULT_REGION for the AWS CLI and boto3, which read
 * only that one: "Configuring environment variables for the AWS CLI",
 * https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html), the credentials the
 * stack accepts, and the stage the commands read; everything else goes to stderr.
 */
export function serveEnvironment(stack: Pick<LocalStack, 'endpoints'>): string[] {
  return [
    ...Object.entries(stack.endpoints).map(([service, url]) => `export AWS_ENDPOINT_URL_${service}=${url}`),
    `export AWS_REGION=${REGION}`,
    `export AWS_DEFAULT_REGION=${REGION}`,
    `export AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`,
    `export RDS_EXPORT_STAGE=${STAGE}`,
  ];
}

/** What the served stack holds for the commands: snapshots waiting for a backfill, or graph exports. */
export type ServedSources = { kind: 'snapshots' } | { kind: 'graph'; format: 'parquet' | 'csv' };

/**
 * Serves until stopped. With snapshots: takes `count` manual snapshots (no events: they wait for
 * `rds-export backfill`). With a graph: adds `count` sample graphs and fires one slot of the local
 * policy's schedule `local-graphs`, so their exports run for `rds-export status`, `cancel`, `retry`
 * and `list` (Neptune Analytics has no snapshots to backfill: its exports start on schedules).
 */
export async function serve(
  stack: LocalStack,
  count: number,
  timeScale: number,
  sources: ServedSources = { kind: 'snapshots' },
): Promise<never> {
  const names =
    sources.kind === 'graph'
      ? await serveGraphs(stack, count, sources.format)
      : await serveSnapshots(stack, count);
  process.stdout.write(`${serveEnvironment(stack).join('\n')}\n`);
  process.stderr.write(
    `local stack serving (time ×${timeScale}; an export takes about ${Math.round(720 / timeScale)} s); ` +
      `${names}\nset the variables above in another shell, then: npx rds-export status; Ctrl-C stops the stack\n`,
  );
  return new Promise<never>(() => {});
}

async function serveSnapshots(stack: LocalStack, count: number): Promise<string> {
  const first = await stack.createSnapshot('sample-snapshot-1', 'sample-db-1');
  const names = [first.identifier];
  for (let i = 2; i <= count; i++) {
    names.push((await stack.createSnapshot(`sample-snapshot-${i}`, `sample-db-${i}`, first)).identifier);
  }
  return `snapshots: ${names.join(', ')}`;
}

async function serveGraphs(stack: LocalStack, count: number, format: 'parquet' | 'csv'): Promise<string> {
  const base = sampleGraphName(format);
  const graphs = Array.from({ length: count }, (_, i) =>
    stack.graphs.add(count === 1 ? base : `${base}-${i + 1}`, SAMPLE_GRAPH),
  );
  const run = (await stack.fireSchedule('local-graphs')) as {
    decisions: { source?: string; exportTaskIdentifier?: string }[];
  };
  const exports = run.decisions.flatMap((d) => (d.exportTaskIdentifier ? [d.exportTaskIdentifier] : []));
  return `graphs: ${graphs.map((g) => `${g.name} (${g.id})`).join(', ')}; exports of one slot of schedule local-graphs: ${exports.join(', ')}`;
}
