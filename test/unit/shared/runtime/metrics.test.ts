import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

/**
 * shared/runtime/metrics.ts reads its settings at load, like a cold start: each test loads it afresh with the
 * environment it needs, records one invocation's metrics in a lambdaHandler (whose logMetrics middleware
 * publishes them), and reads the embedded metric format lines Powertools writes to stdout.
 */

const SOURCE = { kind: 'db-snapshot', sourceIdentifier: 'orders-db' };

/** Everything the invocation wrote to stdout and stderr (where the logger writes WARN), line by line. */
async function output(
  env: Record<string, string | undefined>,
  body: (m: typeof import('#shared/runtime/metrics.ts')) => void,
) {
  vi.resetModules();
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  const metrics = await import('#shared/runtime/metrics.ts');
  const { lambdaHandler } = await import('#shared/runtime/handler.ts');
  const handler = lambdaHandler({ what: 'test input', input: z.unknown() }, async () => body(metrics));
  const lines: string[] = [];
  const taps = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    }),
  );
  try {
    await handler({}, { functionName: 'test', awsRequestId: 'r' } as Context);
  } finally {
    for (const tap of taps) tap.mockRestore();
  }
  return lines.flatMap((l) => l.split('\n')).filter((l) => l !== '');
}

/** The embedded metric format lines the invocation wrote. */
async function invocation(
  env: Record<string, string | undefined>,
  body: (m: typeof import('#shared/runtime/metrics.ts')) => void,
) {
  return (await output(env, body)).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
}

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_DEV', undefined);
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'rds-export-test');
});
afterEach(() => vi.unstubAllEnvs());

describe('the pipeline metrics', () => {
  it('writes a started export and its queue wait as one EMF line with the service and source kind', async () => {
    const [emf, ...more] = await invocation({}, (m) =>
      m.recordStart(SOURCE, {
        outcome: 'started',
        checkedAt: '2024-05-01T01:00:00.000Z',
        queue: { since: '2024-05-01T00:00:00.000Z' },
      }),
    );
    expect(more).toEqual([]);
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'RdsExport',
      Dimensions: [['service', 'sourceKind']],
    });
    expect(emf).toMatchObject({
      service: 'rds-export-test',
      sourceKind: 'db-snapshot',
      ExportsStarted: 1,
      QueueWait: 3600,
    });
    expect(emf.source).toBeUndefined();
  });

  it('writes nothing, and warns of nothing, for an invocation without metrics', async () => {
    expect(await output({}, () => {})).toEqual([]);
  });

  it('counts a queued start as nothing: only the start itself is an export started', async () => {
    const lines = await invocation({}, (m) =>
      m.recordStart(SOURCE, {
        outcome: 'queued',
        queue: { since: '2024-05-01T00:00:00.000Z' },
      }),
    );
    expect(lines).toEqual([]);
  });

  it('writes a completed export with its duration and GB, and a failed and a canceled one as counts', async () => {
    const task = {
      taskStartTime: '2024-05-01T00:00:00.000Z',
      taskEndTime: '2024-05-01T00:30:00.000Z',
      totalExtractedDataInGB: 12,
    };
    const check = (status: 'COMPLETE' | 'FAILED' | 'CANCELED') => ({
      task,
      status,
    });
    const [complete] = await invocation({}, (m) => m.recordCheck(SOURCE, check('COMPLETE')));
    expect(complete).toMatchObject({ ExportsCompleted: 1, ExportDuration: 1800, ExportedGB: 12 });
    expect(complete._aws.CloudWatchMetrics[0].Metrics).toContainEqual({
      Name: 'ExportedGB',
      Unit: 'Gigabytes',
    });
    const [failed] = await invocation({}, (m) => m.recordCheck(SOURCE, check('FAILED')));
    expect(failed).toMatchObject({ ExportsFailed: 1 });
    const [canceled] = await invocation({}, (m) => m.recordCheck(SOURCE, check('CANCELED')));
    expect(canceled).toMatchObject({ ExportsCanceled: 1 });
  });

  it('writes the tables registered, skipped and failed of a registration', async () => {
    const [emf] = await invocation({}, (m) =>
      m.recordRegistration(SOURCE, { registeredCount: 9, skippedCount: 2, failedCount: 1 }),
    );
    expect(emf).toMatchObject({ TablesRegistered: 9, TablesSkipped: 2, TablesFailed: 1 });
  });

  it('adds the source as a second dimension set when METRICS_SOURCE_DIMENSION is true', async () => {
    const [emf] = await invocation({ METRICS_SOURCE_DIMENSION: 'true' }, (m) =>
      m.recordRegistration(SOURCE, { registeredCount: 1, skippedCount: 0, failedCount: 0 }),
    );
    expect(emf._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['service', 'sourceKind'],
      ['service', 'sourceKind', 'source'],
    ]);
    expect(emf.source).toBe('orders-db');
  });

  it("adds the source's account and Region as a dimension set in a hub of member accounts (MEMBER_ROLE_NAME)", async () => {
    const member = { ...SOURCE, arn: 'arn:aws:rds:eu-west-1:222222222222:snapshot:rds:orders-1' };
    const [emf] = await invocation({ MEMBER_ROLE_NAME: 'rds-export-test-member-access' }, (m) =>
      m.recordRegistration(member, { registeredCount: 1, skippedCount: 0, failedCount: 0 }),
    );
    expect(emf._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['service', 'sourceKind'],
      ['service', 'sourceKind', 'account', 'region'],
    ]);
    expect(emf.account).toBe('222222222222');
    expect(emf.region).toBe('eu-west-1');
    // A single-account deployment writes no account dimension (no custom metric more).
    const [single] = await invocation({ MEMBER_ROLE_NAME: '' }, (m) =>
      m.recordRegistration(member, { registeredCount: 1, skippedCount: 0, failedCount: 0 }),
    );
    expect(single._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'sourceKind']]);
  });

  it('writes nothing when Powertools metrics are off, as in the local stack (POWERTOOLS_DEV)', async () => {
    const lines = await invocation({ POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: undefined }, (m) =>
      m.recordRegistration(SOURCE, { registeredCount: 1, skippedCount: 0, failedCount: 0 }),
    );
    expect(lines).toEqual([]);
  });

  it('emits every metric of the catalog from the three recording points', async () => {
    const names = new Set<string>();
    const task = {
      exportTaskIdentifier: 'x',
      taskStartTime: '2024-05-01T00:00:00Z',
      taskEndTime: '2024-05-01T01:00:00Z',
      totalExtractedDataInGB: 1,
    };
    for (const status of ['COMPLETE', 'FAILED', 'CANCELED'] as const) {
      for (const emf of await invocation({}, (m) => m.recordCheck(SOURCE, { task, status }))) {
        for (const d of emf._aws.CloudWatchMetrics[0].Metrics) names.add(d.Name);
      }
    }
    const more = await invocation({}, (m) => {
      m.recordStart(SOURCE, {
        outcome: 'started',
        checkedAt: '2024-05-01T01:00:00.000Z',
      });
    });
    const reg = await invocation({}, (m) =>
      m.recordRegistration(SOURCE, { registeredCount: 1, skippedCount: 1, failedCount: 1 }),
    );
    for (const emf of [...more, ...reg])
      for (const d of emf._aws.CloudWatchMetrics[0].Metrics) names.add(d.Name);
    const { PIPELINE_METRICS } = await import('#shared/runtime/metrics.ts');
    expect([...names].sort()).toEqual(Object.keys(PIPELINE_METRICS).sort());
  });
});
