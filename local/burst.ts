/**
 * The burst measurement behind bench/burst.bench.ts (run in its own process: it installs the
 * simulated clock). 100 snapshot events at once; each export takes 1–60 simulated minutes (seeded
 * draw; 10% STARTING, 90% IN_PROGRESS). Prints one JSON line with the measurements.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { waitForNamed } from './progress.ts';
import type { LoggedRequest } from './request-log.ts';
import { startStack } from './stack.ts';

const { values } = parseArgs({
  options: { exports: { type: 'string', default: '100' }, 'time-scale': { type: 'string', default: '600' } },
});
const count = Number(values.exports);
const timeScale = Number(values['time-scale']);

/** Mulberry32: a small seeded PRNG so every run draws the same durations. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Makespan of the tasks run 5 at a time in the given order, each starting the moment a slot frees. */
export function idealMakespan(durations: number[], slots = 5): number {
  const free = Array<number>(slots).fill(0);
  for (const d of durations) {
    const i = free.indexOf(Math.min(...free));
    free[i] = (free[i] ?? 0) + d;
  }
  return Math.max(...free);
}

const draw = random(20240501);
const durationBySnapshot = new Map<string, number>();
const requestLog = join(tmpdir(), `burst-requests-${process.pid}.jsonl`);
const stack = await startStack({
  timeScale,
  requestLog,
  durations: (task) => {
    const total = durationBySnapshot.get(task.SourceArn) ?? 600;
    return { starting: total * 0.1, inProgress: total * 0.9 };
  },
});
try {
  const first = await stack.createSnapshot('bench-001', 'sample-orders-bench-001');
  const snapshots = [first];
  for (let i = 2; i <= count; i++) {
    const n = String(i).padStart(3, '0');
    snapshots.push(await stack.createSnapshot(`bench-${n}`, `sample-orders-bench-${n}`, first));
  }
  for (const s of snapshots) durationBySnapshot.set(s.arn, Math.round(60 + draw() * (3600 - 60)));
  const realStart = performance.now();
  const simulatedStart = Date.now();
  const decisions = (await Promise.all(snapshots.map((s) => stack.raiseSnapshotEvent(s)))) as {
    exportTaskIdentifier: string;
  }[];
  const executions = await waitForNamed(
    stack,
    decisions.map((d) => d.exportTaskIdentifier),
    50,
  );
  const simulatedEnd = Math.max(...executions.map((e) => e.stopDate?.getTime() ?? 0));
  const realSeconds = (performance.now() - realStart) / 1000;
  const tasks = executions.map((e) => stack.tasks.tasks.get(e.name));
  const requests = readFileSync(requestLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LoggedRequest);
  const describes = requests.filter((r) => r.service === 'rds' && r.action === 'DescribeExportTasks');
  // Checks of a task that exists (start-export's look-ups of a not-yet-started identifier excluded).
  const statusChecks = [...stack.tasks.statusChecks.values()].reduce((a, b) => a + b, 0);
  const delays = tasks.map((t) => {
    if (!t?.TaskEndTime) return Number.NaN;
    const noticed = stack.tasks.noticedAt.get(t.ExportTaskIdentifier) ?? Number.NaN;
    return (noticed - t.TaskEndTime.getTime()) / (t.TaskEndTime.getTime() - t.TaskStartTime.getTime());
  });
  const ideal = idealMakespan(snapshots.map((s) => durationBySnapshot.get(s.arn) ?? 0));
  console.log(
    JSON.stringify({
      exports: count,
      timeScale,
      succeeded: executions.filter((e) => e.status === 'SUCCEEDED').length,
      completed: tasks.filter((t) => t?.Status === 'COMPLETE').length,
      maxActive: stack.tasks.maxActiveSeen,
      quotaRejections: stack.tasks.quotaRejections,
      idealSeconds: ideal,
      measuredSeconds: (simulatedEnd - simulatedStart) / 1000,
      realSeconds,
      describeCalls: describes.length,
      statusChecks,
      meanNoticeDelay: delays.reduce((a, b) => a + b, 0) / delays.length,
      maxNoticeDelay: Math.max(...delays),
    }),
  );
} finally {
  await stack.stop();
  rmSync(requestLog, { force: true });
}
process.exit(0);
