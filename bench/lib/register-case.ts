/**
 * One registration case for bench/register.bench.ts, run in its own process against the
 * register-export of the tree it sits in (this checkout, or the baseline's extracted from git, which
 * gets a copy of this file and of testkit/memory-glue.ts). It uses only what both trees offer:
 * `registerExport(input, deps[, cursor])` and MemoryGlue. Prints one JSON line.
 *
 *   tsx bench/lib/register-case.ts '{"tables":1,"files":100000,"latencyMs":50}'
 *
 * S3 is an in-memory stand-in that counts the requests it answers (one Parquet footer of a few
 * hundred bytes served for every part file); Glue is MemoryGlue with the given latency per request
 * and, with `rateLimit`, Glue-like throttling (a token bucket) under the functions' own client
 * configuration (adaptive retry mode, 5 attempts). Each invocation is given Lambda's 880 s, and is
 * invoked again while it returns a cursor, or after a failure, up to the 17 invocations the state
 * machine's Retry allows.
 */
import { registerExport } from '#functions/register-export/register.ts';
import { MemoryGlue } from '#testkit/memory-glue.ts';
import { memoryS3, parquetFile } from '#testkit/memory-s3.ts';

type Case = {
  tables: number;
  files: number;
  latencyMs: number;
  rateLimit?: { perSecond: number; burst: number };
};

const LAMBDA_TIMEOUT_MS = 880_000;
const STATE_MACHINE_ATTEMPTS = 17;

function exportKeys(c: Case): string[] {
  const keys: string[] = [];
  for (let t = 0; t < c.tables; t++) {
    const table = `t${String(t).padStart(5, '0')}`;
    for (let f = 0; f < c.files; f++)
      keys.push(`x/e1/app/public.${table}/1/part-${String(f).padStart(6, '0')}-u-c000.gz.parquet`);
  }
  return keys.sort();
}

const c = JSON.parse(process.argv[2] ?? '{}') as Case;
const parquet = await parquetFile('SELECT range AS id, md5(range::VARCHAR) AS name FROM range(100)');
const s3 = memoryS3(new Map(exportKeys(c).map((key) => [key, parquet])));
const glue = new MemoryGlue({
  latencyMs: c.latencyMs,
  ...(c.rateLimit ? { rateLimit: c.rateLimit } : {}),
  client: { maxAttempts: 5, retryMode: 'adaptive' },
});
const input = {
  bucket: 'b',
  prefix: 'x',
  exportTaskIdentifier: 'e1',
  snapshotTime: '2026-01-01T00:00:00Z',
  sourceIdentifier: 'app',
  sourceKind: 'db-snapshot',
  engine: 'postgres',
};
const started = performance.now();
let invocations = 0;
let cursor: unknown;
let result: { registeredCount?: number; failedCount?: number; cursor?: unknown } | undefined;
let lastError: string | undefined;
let longest = 0;
while (invocations < STATE_MACHINE_ATTEMPTS) {
  invocations++;
  const at = performance.now();
  try {
    // The baseline's registerExport takes two arguments and ignores the rest.
    const deps = {
      glue,
      s3,
      databasePrefix: 'rds_export_',
      remainingMs: () => LAMBDA_TIMEOUT_MS - (performance.now() - at),
    };
    result = await (registerExport as (...args: unknown[]) => Promise<typeof result>)(input, deps, cursor);
    lastError = undefined;
  } catch (error) {
    lastError = (error as Error).name;
  }
  longest = Math.max(longest, performance.now() - at);
  if (lastError === undefined && result?.cursor === undefined) break;
  if (lastError === undefined) cursor = result?.cursor;
}
console.log(
  JSON.stringify({
    ms: performance.now() - started,
    longestInvocationMs: longest,
    invocations,
    s3Requests: s3.requests,
    glueRequests: glue.calls.length,
    throttled: glue.throttled,
    registered: result?.registeredCount ?? 0,
    failed: lastError === undefined ? (result?.failedCount ?? 0) : c.tables,
    error: lastError,
  }),
);
