/**
 * Prune of 10 exports × 2,000 tables (issue 19): functions/prune as it is, against an in-memory Glue
 * (testkit/memory-glue.ts, answering inside the client's middleware stack), an in-memory versioned
 * S3 (testkit/memory-s3.ts) and small stand-ins for Step Functions and the ledger
 * (bench/lib/prune-fixture.ts), the Glue and S3 clients wrapped as the handler wraps them
 * (`classified`). The request counts are absolute. The wall time at a latency per request is
 * measured twice in the same run, the baseline first: the same code sending one request at a time
 * (concurrency 1 for every service, the same requests as prune sent before it had concurrency),
 * then with its default concurrency (PRUNE_CONCURRENCY).
 */
import { type Concurrency, PRUNE_CONCURRENCY } from '#functions/prune/bounded.ts';
import { type PruneResult, prune } from '#functions/prune/prune.ts';
import { classified } from '#shared/aws/classified.ts';
import { parsePolicy } from '#shared/policy/load.ts';
import {
  BUCKET,
  bucket,
  catalog,
  DATABASE,
  EXPORTS,
  exportsOfSource,
  NOW,
  ownership,
  RULE,
  storedUnder,
  TABLES,
} from './lib/prune-fixture.ts';

/** Part files per table in each export: one, and ten (the same Glue work over ten times the objects). */
const CASES = [1, 10];
const DOOMED = EXPORTS - 1;
/**
 * The latency every stand-in waits before each answer in the timed runs (Glue, S3, Step Functions,
 * DynamoDB): at 50 ms, the registration bench's, the one-at-a-time baseline alone would take about
 * 3.5 minutes, so the runs use 20 ms, and the 50 ms figures are arithmetic from them.
 */
const LATENCY_MS = 20;
const AT_MS = 50;
const ONE_AT_A_TIME: Concurrency = { glue: 1, s3: 1, ownership: 1 };
/** prune's Lambda timeout (serverless.yml, `timeout: 900`). */
const PRUNE_TIMEOUT_S = 900;

const policy = parsePolicy(
  `version: 1\nrules:\n  - name: ${RULE}\n    action: export\n    export: { retention: { keepExports: 1 } }\n`,
  'bench-policy.yml',
);

type Measured = {
  files: number;
  objects: number;
  partitions: number;
  s3: Map<string, number>;
  glue: Map<string, number>;
  ownership: Map<string, number>;
  /** The fewest DeleteObjects requests possible: each export folder's versions / 1,000, rounded up. */
  fewestDeletes: number;
  ms: number;
};

/** Requests by operation (MemoryGlue records the command's name, `GetTablesCommand`). */
const tally = (calls: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const call of calls) {
    const op = call.replace(/Command$/, '');
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  return counts;
};
const total = (counts: Map<string, number>) => [...counts.values()].reduce((n, c) => n + c, 0);
const count = (counts: Map<string, number>, op: string) => counts.get(op) ?? 0;

/** Fails the bench rather than report a run that did not prune what it should. */
function check(
  result: PruneResult,
  m: Measured,
  left: { doomed: number; keptIntact: boolean; partitions: number },
) {
  const problems = [
    result.exports.length !== DOOMED && `${result.exports.length} exports pruned, not ${DOOMED}`,
    result.refused !== 0 && `${result.refused} refused: ${result.notes.join('; ')}`,
    left.doomed !== 0 && `${left.doomed} versions left under the pruned exports`,
    !left.keptIntact && 'the kept export lost files',
    left.partitions !== TABLES && `${left.partitions} partitions left, not one per table`,
    m.partitions !== DOOMED * TABLES && `${m.partitions} partitions deleted`,
  ].filter(Boolean);
  if (problems.length > 0)
    throw new Error(`prune bench (${m.files} files per table): ${problems.join(', ')}`);
}

async function measure(files: number, latencyMs = 0, concurrency?: Concurrency): Promise<Measured> {
  const exports = exportsOfSource();
  const glue = catalog(exports, latencyMs);
  const s3 = bucket(exports, files, latencyMs);
  const owner = ownership(exports, latencyMs);
  const keptBefore = storedUnder(s3, `x/${exports.at(-1)?.id}/`);
  const started = performance.now();
  const result = await prune(
    {
      glue: classified(glue, 'glue'),
      s3: classified(s3, 's3'),
      ownership: owner,
      policy,
      databasePrefix: 'rds_export_',
      buckets: new Set([BUCKET]),
      now: () => NOW,
      ...(concurrency === undefined ? {} : { concurrency }),
    },
    false,
  );
  const ms = performance.now() - started;
  const m: Measured = {
    files,
    objects: result.exports.reduce((n, e) => n + e.objects, 0),
    partitions: result.exports.reduce((n, e) => n + e.partitions, 0),
    s3: tally(s3.calls),
    glue: tally(glue.calls),
    ownership: tally(owner.calls),
    fewestDeletes: result.exports.reduce((n, e) => n + Math.ceil(e.objects / 1000), 0),
    ms,
  };
  let partitionsLeft = 0;
  for (const [key, list] of glue.partitions)
    if (key.startsWith(`${DATABASE}/`)) partitionsLeft += list.length;
  check(result, m, {
    doomed: exports.slice(0, -1).reduce((n, e) => n + storedUnder(s3, `x/${e.id}/`), 0),
    keptIntact: storedUnder(s3, `x/${exports.at(-1)?.id}/`) === keptBefore,
    partitions: partitionsLeft,
  });
  return m;
}

const perK = (requests: number, objects: number) => ((requests * 1000) / objects).toFixed(2);
const n = (x: number) => x.toLocaleString('en');

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const requestsOf = (m: Measured) => total(m.s3) + total(m.glue) + total(m.ownership);

export default async function (): Promise<{ title: string; markdown: string }> {
  const runs: Measured[] = [];
  for (const files of CASES) {
    runs.push(await measure(files));
    console.error(`bench: prune, ${files} part file(s) per table done`);
  }
  // The timed pair, baseline first, 1 part file per table: the case whose requests are mostly Glue's.
  const sequential = await measure(1, LATENCY_MS, ONE_AT_A_TIME);
  console.error(`bench: prune at ${LATENCY_MS} ms, one request at a time: ${seconds(sequential.ms)}`);
  const bounded = await measure(1, LATENCY_MS);
  console.error(`bench: prune at ${LATENCY_MS} ms, concurrent: ${seconds(bounded.ms)}`);
  const ratio = sequential.ms / bounded.ms;
  // The in-memory work of the same case is the no-latency run's wall time; the rest is waiting.
  const work = (runs[0] as Measured).ms;
  const waiting = (m: Measured) => Math.max(0, m.ms - work);
  const at = (m: Measured) => seconds(work + (waiting(m) * AT_MS) / LATENCY_MS);
  const summary = runs.map((m) => {
    const s3 = total(m.s3);
    const glue = total(m.glue);
    return `| ${m.files} | ${n(m.objects)} | ${n(m.partitions)} | ${n(s3)} | ${n(glue)} | ${perK(count(m.s3, 'DeleteObjects'), m.objects)} | ${perK(s3, m.objects)} | ${perK(glue, m.objects)} | ${perK(s3 + glue, m.objects)} | ${seconds(m.ms)} |`;
  });
  const byOperation = runs.map(
    (m) =>
      `| ${m.files} | ${n(count(m.s3, 'ListObjectVersions'))} | ${n(count(m.s3, 'DeleteObjects'))} | ${n(count(m.glue, 'GetDatabases'))} | ${n(count(m.glue, 'GetTables'))} | ${n(count(m.glue, 'GetPartitions'))} | ${n(count(m.glue, 'BatchDeletePartition'))} | ${n(count(m.ownership, 'DescribeExecution'))} | ${n(count(m.ownership, 'GetItem'))} |`,
  );
  const timed = [
    `| one request at a time (concurrency 1) | ${n(requestsOf(sequential))} | ${seconds(sequential.ms)} | ${seconds(waiting(sequential))} | ${at(sequential)} | 1.00× |`,
    `| now (${PRUNE_CONCURRENCY.glue} Glue, ${PRUNE_CONCURRENCY.s3} S3 exports, ${PRUNE_CONCURRENCY.ownership} ownership checks at once) | ${n(requestsOf(bounded))} | ${seconds(bounded.ms)} | ${seconds(waiting(bounded))} | ${at(bounded)} | **${ratio.toFixed(1)}× faster** |`,
  ];
  const fewest = runs.every((m) => count(m.s3, 'DeleteObjects') === m.fewestDeletes);
  const glueFloor = TABLES * Math.ceil(DOOMED / 25);
  const markdown = [
    `One source of ${n(TABLES)} tables exported ${EXPORTS} times, the policy keeping the latest export (\`keepExports: 1\`): one prune run deletes`,
    `${DOOMED} exports. The catalog is what register-export leaves (per table a latest table, its history twin and two typed views; one history`,
    "partition per table per export); the bucket is versioning-enabled, each export folder holding its part files, RDS's two JSON files, an older",
    'version of one of them and a delete marker over a deleted file. Glue is the in-memory catalog (testkit/memory-glue.ts),',
    "answering inside the SDK client's middleware stack; S3 the in-memory bucket (testkit/memory-s3.ts); the execution and the ledger small",
    'stand-ins (exports older than the 90 days Step Functions keeps an execution are proven by the ledger). The request counts are absolute',
    '(before partitions were grouped by table, prune sent one BatchDeletePartition per table per export: 20,000 here).',
    '',
    "Objects deleted: versions and delete markers under the pruned exports' folders (prune's `objects`). Requests: every request each stand-in",
    'answered, reading included. Wall time: the whole prune in this process, in-memory stand-ins, no latency.',
    '',
    '| part files per table | objects deleted | partitions deleted | S3 requests | Glue requests | DeleteObjects per 1,000 objects | S3 per 1,000 objects | Glue per 1,000 objects | S3 + Glue per 1,000 objects | wall time |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...summary,
    '',
    '| part files per table | ListObjectVersions | DeleteObjects | GetDatabases | GetTables | GetPartitions | BatchDeletePartition | DescribeExecution | GetItem (ledger) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...byOperation,
    '',
    'Target ≤ 1 request per 1,000 objects deleted. DeleteObjects takes 1,000 keys a request (S3 API reference, DeleteObjects) and prune',
    `sends ${fewest ? 'the fewest possible' : 'more than the fewest possible'}: each export folder's versions / 1,000, rounded up, so a little over 1 per 1,000`,
    'when a folder holds just over a multiple of 1,000. S3 as a whole is about twice that: prune first lists what it deletes',
    '(ListObjectVersions, pages of at most 1,000, S3 API reference). **Glue cannot meet it**, because its requests follow the tables, not the',
    'objects: BatchDeletePartition deletes partitions of one table (DatabaseName and TableName in the request), at most 25 a call (Glue API',
    'reference, BatchDeletePartition), and each export has one history partition per table. prune deletes the files, then',
    `the pruned exports' partitions of each table together: one call per table for up to 25 exports (${n(glueFloor)} here, against ${n(DOOMED * TABLES)} one`,
    'export at a time). Reading the catalog adds a GetPartitions per history table and a GetTables per page of tables (100 in the stand-in). More part files per table add',
    'S3 requests in step with the objects and no Glue request, so the Glue ratio falls as the files per table grow (the second row).',
    '',
    `### Wall time at ${LATENCY_MS} ms a request, one at a time against now`,
    '',
    `The 1-file case again, every stand-in (Glue, S3, Step Functions, DynamoDB) answering each request after ${LATENCY_MS} ms, measured in this run:`,
    'first the same code with one request in flight (concurrency 1 for every service: the requests prune sent one at a time before), then',
    'with its default concurrency. Ratio: wall time one at a time / wall time now. Waiting: the wall time less the in-memory work of the',
    `same case (its no-latency row above, ${seconds(work)} in this run). At ${AT_MS} ms: that work plus the waiting × ${AT_MS / LATENCY_MS} (arithmetic, not measured), against prune's`,
    `${PRUNE_TIMEOUT_S} s Lambda timeout, of which it uses about 780 s before it stops starting requests (functions/prune/README.md).`,
    '',
    `| requests sent | requests | wall time at ${LATENCY_MS} ms | waiting | at ${AT_MS} ms | against one at a time |`,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...timed,
    '',
    `Reading the tables stays one GetTables page after another (${n(count(bounded.glue, 'GetTables'))} pages: the next page's token comes with the last), so the`,
    `bound is that chain plus ${n(count(bounded.glue, 'GetPartitions'))} GetPartitions and ${n(count(bounded.glue, 'BatchDeletePartition'))} BatchDeletePartition ${PRUNE_CONCURRENCY.glue} at a time, not the request count.`,
  ].join('\n');
  return { title: 'Prune of 10 exports × 2,000 tables', markdown };
}
