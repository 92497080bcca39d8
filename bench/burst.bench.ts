/**
 * Burst: 100 snapshot events at once on the local stack (real handlers, real ASL, local RDS whose
 * exports last 1–60 simulated minutes). Measured against the ideal schedule (5 at a time, no gaps).
 * Runs local/burst.ts in its own process because the local stack installs a simulated clock.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const EXPORTS = 100;
const TIME_SCALE = 300;

interface BurstResult {
  exports: number;
  timeScale: number;
  succeeded: number;
  completed: number;
  maxActive: number;
  quotaRejections: number;
  idealSeconds: number;
  measuredSeconds: number;
  realSeconds: number;
  describeCalls: number;
  statusChecks: number;
  meanNoticeDelay: number;
  maxNoticeDelay: number;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const verdict = (ok: boolean) => (ok ? 'met' : 'missed');

export default async function (): Promise<{ title: string; markdown: string }> {
  const script = fileURLToPath(new URL('../local/burst.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  const { stdout } = await promisify(execFile)(
    tsx,
    [script, '--exports', String(EXPORTS), '--time-scale', String(TIME_SCALE)],
    {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    },
  );
  const line = stdout.trim().split('\n').pop() ?? '{}';
  const r = JSON.parse(line) as BurstResult;
  const ratio = r.measuredSeconds / r.idealSeconds;
  const checks = r.statusChecks / r.exports;
  const markdown = [
    `${r.exports} RDS-EVENT-0042 events at once; export durations drawn uniformly in 1–60 simulated minutes (seeded);`,
    `simulated time runs ×${r.timeScale} (${r.realSeconds.toFixed(0)} s of wall time). ${r.succeeded}/${r.exports} executions succeeded,`,
    `${r.completed} exports completed, at most ${r.maxActive} in progress at once (${r.quotaRejections} starts refused by the quota and retried).`,
    '',
    '| measure | value | target | |',
    '| --- | --- | --- | --- |',
    `| total time vs ideal schedule (5 at a time, no gaps) | ${(r.measuredSeconds / 60).toFixed(0)} min vs ${(r.idealSeconds / 60).toFixed(0)} min = ${ratio.toFixed(3)}× | ≤ 1.10× | ${verdict(ratio <= 1.1)} |`,
    `| status checks per export (DescribeExportTasks naming an existing task) | ${checks.toFixed(1)} (all DescribeExportTasks calls incl. quota counting: ${(r.describeCalls / r.exports).toFixed(1)}) | ≤ 12 | ${verdict(checks <= 12)} |`,
    `| delay completion → noticed, mean fraction of the export's duration | ${pct(r.meanNoticeDelay)} (max ${pct(r.maxNoticeDelay)}) | < 5 % | ${verdict(r.meanNoticeDelay < 0.05)} |`,
  ].join('\n');
  return { title: 'Burst of 100 exports on the local stack', markdown };
}
