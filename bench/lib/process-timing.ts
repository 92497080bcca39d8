import { spawnSync } from 'node:child_process';

export type Case = { name: string; args: string[]; cwd?: string; env?: NodeJS.ProcessEnv };

/** Wall time of one `node <args>` process, start to exit, in milliseconds. Throws if it fails. */
function timeOnce(c: Case): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, c.args, {
    cwd: c.cwd,
    env: c.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(
      `${c.name}: node ${c.args.join(' ')} exited ${result.status}: ${result.stderr.toString().slice(0, 2000)}`,
    );
  }
  return ms;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/**
 * Wall times per case over `runs` rounds, in round order. Cases are interleaved round by round so
 * that a noisy moment on a shared machine hits every case alike (and neighbouring cases of one
 * round most alike); one warm-up round fills the page cache.
 */
export function sampleTimes(cases: Case[], runs: number): Map<string, number[]> {
  for (const c of cases) timeOnce(c);
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const c of cases) samples.get(c.name)?.push(timeOnce(c));
  }
  return samples;
}

/** Median wall time per case over `runs` interleaved rounds (sampleTimes). */
export function medianTimes(cases: Case[], runs: number): Map<string, number> {
  return new Map([...sampleTimes(cases, runs)].map(([name, values]) => [name, median(values)]));
}

/**
 * The median over rounds of `a`'s time divided by `b`'s in the same round: two cases timed next to
 * each other in every round share the machine's load of that moment, so the ratio of each pair is
 * steadier than the ratio of two medians.
 */
export function pairedRatio(samples: Map<string, number[]>, a: string, b: string): number {
  const x = samples.get(a) ?? [];
  const y = samples.get(b) ?? [];
  return median(x.map((v, i) => v / (y[i] ?? Number.NaN)));
}
