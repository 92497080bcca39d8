/**
 * The burst measurement behind bench/burst.bench.ts (run in its own process: it installs the
 * simulated clock). N snapshot events at once; each export takes 1–60 simulated minutes (seeded
 * draw; 10% STARTING, 90% IN_PROGRESS). RDS's export-finished events reach the waits function
 * through the local EventBridge delivery, of which `--drop-events P` loses a share (1 = none
 * arrive: every wait ends on its fallback timeout) and `--duplicate-events P` delivers some twice.
 * Prints one JSON line with the measurements, every execution that did not succeed among them (how
 * it ended, in which state, why); `--histories FILE` also writes those executions' histories, their
 * failed states' errors and their export tasks to FILE, for diagnosis.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LoggedRequest } from '#local/protocol/request-log.ts';
import type { ExportTaskRecord } from '#local/rds/tasks.ts';
import { waitForNamed } from '#local/runtime/progress.ts';
import type { Execution } from '#local/sfn/server.ts';
import { startStack } from '#local/stack.ts';
import { idealMakespan, seeded as random } from '#testkit/bursts.ts';

const { values } = parseArgs({
  options: {
    exports: { type: 'string', default: '100' },
    'time-scale': { type: 'string', default: '600' },
    'drop-events': { type: 'string', default: '0' },
    'duplicate-events': { type: 'string', default: '0' },
    histories: { type: 'string' },
  },
});
const count = Number(values.exports);
const timeScale = Number(values['time-scale']);
const drop = Number(values['drop-events']);
const duplicate = Number(values['duplicate-events']);
if (!(count >= 1 && timeScale > 0 && drop >= 0 && drop <= 1 && duplicate >= 0 && duplicate <= 1)) {
  console.error(
    'usage: tsx bench/lib/burst.ts [--exports N (≥1)] [--time-scale X (>0)] [--drop-events P] [--duplicate-events P] (P in [0, 1]) [--histories FILE]',
  );
  process.exit(2);
}

/**
 * How an execution that did not succeed ended: the state it was in, and why: the execution's own
 * cause when it timed out, the task's FailureCause when the export failed, else the last error a
 * Task state raised (a wait's timeout aside), as the function raised it.
 */
function notSucceeded(e: Execution, task: ExportTaskRecord | undefined) {
  const entered = e.history.filter((h) => h.stateEnteredEventDetails !== undefined);
  const state = (entered.at(-1)?.stateEnteredEventDetails as { name: string } | undefined)?.name;
  const raised = (e.events as { type: string; Error?: string; Cause?: string; state?: { type?: string } }[])
    .filter((ev) => ev.type === 'StateFailed' && ev.state?.type === 'Task' && ev.Error !== 'States.Timeout')
    .at(-1);
  let message = raised?.Cause;
  try {
    message = (JSON.parse(message ?? '') as { errorMessage?: string }).errorMessage ?? message;
  } catch {}
  const days = ((e.stopDate?.getTime() ?? Date.now()) - e.startDate.getTime()) / 86_400_000;
  const reason =
    e.status === 'TIMED_OUT'
      ? `${e.cause ?? e.error} after ${days.toFixed(1)} simulated days`
      : task?.Status === 'FAILED'
        ? `the export task FAILED: ${task.FailureCause}`
        : raised
          ? `${raised.Error}: ${message}`
          : e.cause;
  return {
    name: e.name,
    status: e.status,
    error: e.error,
    ...(state === undefined ? {} : { state }),
    ...(reason === undefined ? {} : { reason: reason.slice(0, 300) }),
    ...(task?.FailureCause === undefined ? {} : { taskFailure: task.FailureCause.slice(0, 300) }),
  };
}

const draw = random(20240501);
const durationBySnapshot = new Map<string, number>();
const requestLog = join(tmpdir(), `burst-requests-${process.pid}.jsonl`);
/** A completion counts as noticed promptly when the execution learned of it within this. */
const PROMPT_NOTICE_MS = 60_000;
const stack = await startStack({
  timeScale,
  requestLog,
  // Delivered events arrive within seconds; lossy ones are also late and out of order.
  eventFaults: { drop, duplicate, maxDelaySeconds: drop > 0 || duplicate > 0 ? 30 : 2 },
  random: random(7),
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
  const starts = requests.filter((r) => r.service === 'rds' && r.action === 'StartExportTask');
  // Checks of a task that exists (start-export's look-ups of a not-yet-started identifier excluded).
  const statusChecks = [...stack.tasks.statusChecks.values()].reduce((a, b) => a + b, 0);
  // Over the exports that ended and were noticed (a task that never started has no delay).
  const delays = tasks.flatMap((t) => {
    const noticed = t?.TaskEndTime ? stack.tasks.noticedAt.get(t.ExportTaskIdentifier) : undefined;
    if (!t?.TaskEndTime || noticed === undefined) return [];
    return [(noticed - t.TaskEndTime.getTime()) / (t.TaskEndTime.getTime() - t.TaskStartTime.getTime())];
  });
  const prompt = tasks.filter((t) => {
    const noticed = t?.TaskEndTime ? stack.tasks.noticedAt.get(t.ExportTaskIdentifier) : undefined;
    return noticed !== undefined && t?.TaskEndTime && noticed - t.TaskEndTime.getTime() <= PROMPT_NOTICE_MS;
  }).length;
  const ideal = idealMakespan(snapshots.map((s) => durationBySnapshot.get(s.arn) ?? 0));
  // The ideal schedule of the durations the tasks really took (the local RDS writes real Parquet,
  // which takes real time, stretched by the time scale), in the order they started (the queue's),
  // against the time from the events to the last export's end: only the gaps the pipeline left.
  const byStart = tasks
    .filter((t) => t?.TaskEndTime !== undefined)
    .sort((a, b) => (a?.TaskStartTime.getTime() ?? 0) - (b?.TaskStartTime.getTime() ?? 0));
  const idealOfTaken = idealMakespan(
    byStart.map((t) => ((t?.TaskEndTime?.getTime() ?? 0) - (t?.TaskStartTime.getTime() ?? 0)) / 1000),
  );
  const lastEnd = Math.max(...tasks.map((t) => t?.TaskEndTime?.getTime() ?? 0));
  // Slot hand-offs: with the slots full, the k-th start after the first five takes the slot the
  // k-th end freed; its gap is the time the pipeline took to notice the end and start the next.
  const startsAt = byStart.map((t) => t?.TaskStartTime.getTime() ?? 0);
  const endsAt = byStart.map((t) => t?.TaskEndTime?.getTime() ?? 0).sort((a, b) => a - b);
  const handoffs = startsAt
    .slice(5)
    .map((start, k) => (start - (endsAt[k] ?? start)) / 1000)
    .filter((gap) => gap >= 0)
    .sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      exports: count,
      timeScale,
      dropEvents: drop,
      duplicateEvents: duplicate,
      events: stack.events.stats,
      succeeded: executions.filter((e) => e.status === 'SUCCEEDED').length,
      completed: tasks.filter((t) => t?.Status === 'COMPLETE').length,
      maxActive: stack.tasks.maxActiveSeen,
      quotaRejections: stack.tasks.quotaRejections,
      idealSeconds: ideal,
      idealOfTakenSeconds: idealOfTaken,
      measuredSeconds: (simulatedEnd - simulatedStart) / 1000,
      lastExportEndedSeconds: (lastEnd - simulatedStart) / 1000,
      firstStartSeconds:
        (Math.min(...tasks.map((t) => t?.TaskStartTime.getTime() ?? Number.POSITIVE_INFINITY)) -
          simulatedStart) /
        1000,
      fifthStartSeconds: (byStart[4]?.TaskStartTime.getTime() ?? Number.NaN) / 1000 - simulatedStart / 1000,
      handoffSeconds: {
        count: handoffs.length,
        mean: handoffs.reduce((a, b) => a + b, 0) / Math.max(1, handoffs.length),
        p95: handoffs[Math.floor(handoffs.length * 0.95)] ?? Number.NaN,
      },
      realSeconds,
      describeCalls: describes.length,
      startCalls: starts.length,
      transitions: executions.reduce((n, e) => n + e.transitions, 0),
      noticedPromptly: prompt,
      // How the executions' waits ended: woken (an event, a release) or at their fallback timeout.
      waits: Object.fromEntries(stack.tokens.ended),
      statusChecks,
      // Every execution that did not succeed: how it ended, in which state, and why.
      notSucceeded: executions
        .filter((e) => e.status !== 'SUCCEEDED')
        .map((e) => notSucceeded(e, stack.tasks.tasks.get(e.name))),
      meanNoticeDelay: delays.reduce((a, b) => a + b, 0) / delays.length,
      maxNoticeDelay: Math.max(...delays),
    }),
  );
  if (values.histories !== undefined) {
    const failed = executions.filter((e) => e.status !== 'SUCCEEDED');
    writeFileSync(
      values.histories,
      JSON.stringify(
        failed.map((e) => ({
          name: e.name,
          status: e.status,
          error: e.error,
          cause: e.cause,
          task: stack.tasks.tasks.get(e.name),
          events: e.events,
          history: e.history,
        })),
        null,
        1,
      ),
    );
  }
} finally {
  await stack.stop();
  rmSync(requestLog, { force: true });
}
process.exit(0);
