/**
 * A burst of 300 snapshots spread over three accounts of a local Organization (the hub and two
 * members, whose events reach the hub through their buses and whose RDS the hub's functions reach
 * through the member access role), against the same burst in one account, in the same run. Each
 * run is bench/lib/accounts-burst.ts in its own process (it installs the simulated clock).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './lib/baseline.ts';

interface Run {
  label: string;
  accounts: number;
}

interface AccountsResult {
  exports: number;
  accounts: number;
  timeScale: number;
  succeeded: number;
  simulatedSeconds: number;
  idealSeconds: number;
  realSeconds: number;
  mostInFlight: number;
  mostPerAccount: number;
  maxActiveSeen: number;
  quotaRejections: number;
  describeCalls: number;
  startCalls: number;
  assumeRoleCalls: number;
  notSucceeded: { name: string; status: string; error?: string; cause?: string }[];
}

const EXPORTS = 300;
const TIME_SCALE = 300;
const BASELINE: Run = { label: 'one account', accounts: 1 };
const ORGANIZATION: Run = { label: 'three accounts (hub + 2 members)', accounts: 3 };
/** The handlers that call a member's RDS, each with its own clients (shared/sources/rds/clients.ts). */
const MEMBER_CALLERS = 4;

async function burst(run: Run): Promise<AccountsResult> {
  const args = [
    path.join(ROOT, 'bench/lib/accounts-burst.ts'),
    '--exports',
    String(EXPORTS),
    '--accounts',
    String(run.accounts),
    '--time-scale',
    String(TIME_SCALE),
  ];
  const { stdout } = await promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), args, {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as AccountsResult;
}

const per = (n: number, r: AccountsResult) => (n / r.exports).toFixed(2);
const hours = (s: number) => `${(s / 3600).toFixed(1)} h`;

export default async function (): Promise<{ title: string; markdown: string }> {
  const one = await burst(BASELINE);
  const three = await burst(ORGANIZATION);
  const members = ORGANIZATION.accounts - 1;
  // Credentials last an hour (AssumeRole's default DurationSeconds, STS API reference) and the SDK
  // renews them 5 minutes before: per member and calling function, one AssumeRole per started hour.
  const expected = MEMBER_CALLERS * members * Math.ceil(three.simulatedSeconds / 3300);
  const row = (measure: string, a: string, b: string, target: string) =>
    `| ${measure} | ${a} | ${b} | ${target} |`;
  const table = [
    `| measure | ${BASELINE.label} | ${ORGANIZATION.label} | target |`,
    '| --- | --- | --- | --- |',
    row(
      'executions succeeded',
      `${one.succeeded} of ${one.exports}`,
      `${three.succeeded} of ${three.exports}`,
      'all',
    ),
    row(
      'time to export all (simulated)',
      hours(one.simulatedSeconds),
      `${hours(three.simulatedSeconds)} (${(three.simulatedSeconds / one.simulatedSeconds).toFixed(2)}×)`,
      'about 1/3: three accounts, three pools of five',
    ),
    row(
      'the same against the ideal schedule (five at once per account, each end starting the next)',
      `${(one.simulatedSeconds / one.idealSeconds).toFixed(2)}× of ${hours(one.idealSeconds)}`,
      `${(three.simulatedSeconds / three.idealSeconds).toFixed(2)}× of ${hours(three.idealSeconds)}`,
      'near 1× unless the machine, not the slots, is the limit',
    ),
    row(
      'most tasks in flight in one account',
      String(one.mostPerAccount),
      String(three.mostPerAccount),
      '≤ 5',
    ),
    row(
      'most tasks in flight in all',
      String(one.mostInFlight),
      String(three.mostInFlight),
      '≤ 5 × accounts',
    ),
    row(
      'starts refused for the quota (each counted once and queued again)',
      String(one.quotaRejections),
      String(three.quotaRejections),
      '',
    ),
    row(
      '`DescribeExportTasks` calls per export',
      per(one.describeCalls, one),
      per(three.describeCalls, three),
      '',
    ),
    row(
      '`StartExportTask` calls per export',
      per(one.startCalls, one),
      per(three.startCalls, three),
      '≤ 1.05',
    ),
    row(
      '`AssumeRole` calls (per export)',
      `${one.assumeRoleCalls} (${per(one.assumeRoleCalls, one)})`,
      `${three.assumeRoleCalls} (${per(three.assumeRoleCalls, three)})`,
      `≤ ${expected}: one per function and member per hour of credentials`,
    ),
    row('wall time', `${one.realSeconds.toFixed(0)} s`, `${three.realSeconds.toFixed(0)} s`, ''),
  ];
  const failed = [one, three].flatMap((r) =>
    r.notSucceeded.map(
      (f) => `  - ${r.accounts} account(s): \`${f.name}\` ${f.status} ${f.error ?? ''} ${f.cause ?? ''}`,
    ),
  );
  return {
    title: 'A burst of 300 snapshots over three accounts of an Organization, against one account',
    markdown: [
      `${EXPORTS} snapshots announced at once, spread round-robin over the accounts, export durations drawn uniformly in 1–60 simulated minutes (seeded, the same draw in both runs), ×${TIME_SCALE}.`,
      "Members' events reach the hub through their buses; the hub's functions call a member's RDS through its access role (the local STS). The handlers share one process here, so each of the four that call a member's RDS (on-snapshot, start-export, check-export, waits) stands for one container.",
      '',
      ...table,
      ...(failed.length === 0 ? [] : ['', 'Executions that did not succeed:', ...failed]),
    ].join('\n'),
  };
}
