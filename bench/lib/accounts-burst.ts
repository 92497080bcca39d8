/**
 * The account burst behind bench/accounts.bench.ts (its own process: it installs the simulated
 * clock). N snapshots spread round-robin over `--accounts` accounts of the local Organization (the
 * hub, then members whose events reach the hub through their buses), all announced at once; each
 * export takes 1–60 simulated minutes (seeded, the same draw whatever the accounts). Prints one JSON
 * line: how long until all were exported, the most tasks in flight per account and in all, and the
 * RDS and STS requests per export.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LoggedRequest } from '#local/protocol/request-log.ts';
import type { StoredSnapshot } from '#local/rds/snapshots.ts';
import { waitForNamed } from '#local/runtime/progress.ts';
import { ACCOUNT, MEMBER_ACCOUNTS, startStack } from '#local/stack.ts';
import { idealMakespan, seeded as random, sampleInFlight } from '#testkit/bursts.ts';

const { values } = parseArgs({
  options: {
    exports: { type: 'string', default: '300' },
    accounts: { type: 'string', default: '3' },
    'time-scale': { type: 'string', default: '1000' },
  },
});
const count = Number(values.exports);
const accounts = Number(values.accounts);
const timeScale = Number(values['time-scale']);
if (!(count >= 1 && accounts >= 1 && accounts <= MEMBER_ACCOUNTS.length + 1 && timeScale > 0)) {
  console.error('usage: tsx bench/lib/accounts-burst.ts [--exports N] [--accounts 1-5] [--time-scale X]');
  process.exit(2);
}

const draw = random(20241207);
const durationOf = new Map<string, number>();
const requestLog = join(tmpdir(), `accounts-burst-${process.pid}.jsonl`);
const stack = await startStack({
  timeScale,
  accounts,
  requestLog,
  random: random(7),
  durations: (task) => {
    const total = durationOf.get(task.SourceArn) ?? 600;
    return { starting: total * 0.1, inProgress: total * 0.9 };
  },
});
try {
  const ids = [ACCOUNT, ...MEMBER_ACCOUNTS].slice(0, accounts);
  let first: StoredSnapshot | undefined;
  const snapshots: StoredSnapshot[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(i + 1).padStart(3, '0');
    const snapshot = await stack.createSnapshot(
      `burst-${n}`,
      `sample-orders-burst-${n}`,
      first,
      ids[i % ids.length],
    );
    first ??= snapshot;
    snapshots.push(snapshot);
    durationOf.set(snapshot.arn, Math.round(60 + draw() * (3600 - 60)));
  }
  const sampler = sampleInFlight(stack);
  const { most } = sampler;
  const realStart = performance.now();
  const simulatedStart = Date.now();
  let executions: Awaited<ReturnType<typeof waitForNamed>>;
  try {
    const decisions = (await Promise.all(snapshots.map((s) => stack.raiseSnapshotEvent(s)))) as {
      exportTaskIdentifier?: string;
    }[];
    executions = await waitForNamed(
      stack,
      [...new Set(decisions.map((d) => d.exportTaskIdentifier ?? ''))],
      50,
    );
  } finally {
    sampler.stop();
  }
  const simulatedEnd = Math.max(...executions.map((e) => e.stopDate?.getTime() ?? 0));
  const requests = readFileSync(requestLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LoggedRequest);
  const calls = (service: string, action: string) =>
    requests.filter((r) => r.service === service && r.action === action).length;
  console.log(
    JSON.stringify({
      exports: count,
      accounts,
      timeScale,
      succeeded: executions.filter((e) => e.status === 'SUCCEEDED').length,
      simulatedSeconds: (simulatedEnd - simulatedStart) / 1000,
      // Five at a time in each account, each account's snapshots in the order they were announced.
      idealSeconds: Math.max(
        ...ids.map((_, k) =>
          idealMakespan(
            snapshots.filter((_, i) => i % ids.length === k).map((s) => durationOf.get(s.arn) ?? 0),
          ),
        ),
      ),
      realSeconds: (performance.now() - realStart) / 1000,
      mostInFlight: most.total,
      mostPerAccount: Math.max(...most.perAccount.values(), 0),
      maxActiveSeen: Math.max(...stack.accounts.map((a) => a.tasks.maxActiveSeen)),
      quotaRejections: stack.accounts.reduce((n, a) => n + a.tasks.quotaRejections, 0),
      describeCalls: calls('rds', 'DescribeExportTasks'),
      startCalls: calls('rds', 'StartExportTask'),
      assumeRoleCalls: calls('sts', 'AssumeRole'),
      notSucceeded: executions
        .filter((e) => e.status !== 'SUCCEEDED')
        .slice(0, 10)
        .map((e) => ({ name: e.name, status: e.status, error: e.error, cause: e.cause?.slice(0, 300) })),
    }),
  );
} finally {
  await stack.stop();
}
