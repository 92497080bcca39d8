/**
 * The large-export cases of bench/register.bench.ts (issue 19): each case is bench/lib/register-case.ts
 * in its own process, against this checkout and against the baseline, register-export as it was at
 * BASELINE_COMMIT (extracted from this repository's history, as bench/burst.bench.ts does), given
 * this checkout's MemoryGlue so both meet the same stand-ins.
 */
import { execFile } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { baselineTree, ROOT, removeTree } from './baseline.ts';

/** Registration before issue 19: every footer read, one invocation, no back-off. */
const BASELINE_COMMIT = '56400b7';

type Case = {
  tables: number;
  files: number;
  latencyMs: number;
  rateLimit?: { perSecond: number; burst: number };
};
type Measured = {
  ms: number;
  longestInvocationMs: number;
  invocations: number;
  s3Requests: number;
  glueRequests: number;
  throttled: number;
  registered: number;
  failed: number;
  error?: string;
};

async function run(root: string, c: Case): Promise<Measured> {
  const { stdout } = await promisify(execFile)(
    path.join(ROOT, 'node_modules/.bin/tsx'),
    [path.join(root, 'bench/lib/register-case.ts'), JSON.stringify(c)],
    { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' } },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Measured;
}

/** The baseline's tree (bench/lib/baseline.ts), given this checkout's case driver and MemoryGlue. */
function registerBaselineTree(): string {
  const dir = baselineTree(BASELINE_COMMIT);
  copyFileSync(path.join(ROOT, 'bench/lib/register-case.ts'), path.join(dir, 'bench/lib/register-case.ts'));
  copyFileSync(path.join(ROOT, 'testkit/memory-glue.ts'), path.join(dir, 'testkit/memory-glue.ts'));
  copyFileSync(path.join(ROOT, 'testkit/memory-s3.ts'), path.join(dir, 'testkit/memory-s3.ts'));
  return dir;
}

/** The most part files the baseline, which reads every footer, is run with; more are scaled from it. */
const BASELINE_MAX_FILES = 10_000;

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const row = (label: string, m: Measured) =>
  `| ${label} | ${m.registered} | ${m.failed}${m.error ? ` (${m.error})` : ''} | ${m.invocations} | ${m.s3Requests} | ${m.glueRequests} | ${m.throttled} | ${s(m.ms)} | ${s(m.longestInvocationMs)} |`;

/**
 * The throttled case's token bucket: 70 % of the request rate this checkout's unthrottled run of the
 * same tables sent, measured in this run (so the share throttled does not depend on the machine).
 */
const throttledAt = (unthrottled: Measured) => ({
  perSecond: Math.max(1, Math.round((0.7 * unthrottled.glueRequests) / (unthrottled.ms / 1000))),
  burst: 16,
});

export async function largeExports(): Promise<string> {
  const cases: [string, Case][] = [
    ['1 table × 1 part file', { tables: 1, files: 1, latencyMs: 50 }],
    ['1 table × 100,000 part files', { tables: 1, files: 100_000, latencyMs: 50 }],
    ['20,000 tables × 1 file (Glue 10 ms)', { tables: 20_000, files: 1, latencyMs: 10 }],
    ['2,000 tables, Glue unthrottled (20 ms)', { tables: 2000, files: 1, latencyMs: 20 }],
  ];
  const dir = registerBaselineTree();
  const lines: string[] = [];
  const measured = new Map<string, Measured>();
  const record = async (label: string, root: string, c: Case) => {
    const m = await run(root, c);
    measured.set(label, m);
    lines.push(row(label, m));
    console.error(`bench: ${lines.at(-1)}`);
    return m;
  };
  try {
    for (const [label, c] of cases) {
      await record(`${label}, now`, ROOT, c);
      if (c.files <= BASELINE_MAX_FILES) await record(`${label}, before (${BASELINE_COMMIT})`, dir, c);
      else {
        // The baseline reads every footer: measured on fewer files and scaled, to keep the bench short.
        const scale = c.files / BASELINE_MAX_FILES;
        const m = await run(dir, { ...c, files: BASELINE_MAX_FILES });
        const scaled = { ...m, ms: m.ms * scale, longestInvocationMs: m.longestInvocationMs * scale };
        scaled.s3Requests = Math.round(m.s3Requests * scale);
        const what = `${label}, before (${BASELINE_COMMIT}; ${BASELINE_MAX_FILES.toLocaleString('en')} files ×${scale})`;
        measured.set(what, scaled);
        lines.push(row(what, scaled));
        console.error(`bench: ${lines.at(-1)}`);
      }
    }
    const unthrottled = measured.get('2,000 tables, Glue unthrottled (20 ms), now') as Measured;
    const rateLimit = throttledAt(unthrottled);
    const label = `2,000 tables, Glue throttling past ${rateLimit.perSecond} requests/s (70 % of the unthrottled rate)`;
    const c: Case = { tables: 2000, files: 1, latencyMs: 20, rateLimit };
    await record(`${label}, now`, ROOT, c);
    await record(`${label}, before (${BASELINE_COMMIT})`, dir, c);
  } finally {
    removeTree(dir);
  }
  return [
    '### Exports of any size (issue 19)',
    '',
    'Each row is one registration of a fresh export into an empty catalog, in its own process',
    '(bench/lib/register-case.ts): S3 in memory (listing pages of 1,000 keys, one small Parquet file',
    'served for every part file), Glue the in-memory catalog (testkit/memory-glue.ts) answering after',
    "the latency shown, through the functions' client configuration (adaptive retry mode, 5 attempts).",
    '"Throttling" is Glue-like: a token bucket at 70 % of the rate this checkout\'s unthrottled run sent,',
    'refusing with ThrottlingException. Invocations: Lambda invocations the state machine makes (a cursor, or',
    `a failure retried, at most 17); "before" is register-export at ${BASELINE_COMMIT}, which has no`,
    'cursor and reads every footer. S3 requests: listing pages + footer reads + metadata + report;',
    'Glue requests: every attempt, throttled ones included. Wall time is the registration, all',
    "invocations; the longest invocation is what must fit Lambda's 880 s.",
    '',
    '| case | registered | failed | invocations | S3 requests | Glue requests | throttled | wall time | longest invocation |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...lines,
  ].join('\n');
}
