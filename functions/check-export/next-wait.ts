import type { CheckResult } from '#shared/contract/execution.ts';

export type CheckStatus = CheckResult['status'];

export interface WaitBounds {
  minSeconds: number;
  maxSeconds: number;
}

export interface InProgressSince {
  seconds: number;
  percentAtStart: number;
  /** Since the last check that still saw STARTING: IN_PROGRESS began within this many seconds. */
  secondsSinceStarting?: number | undefined;
}

export interface WaitInput {
  status: CheckStatus;
  /** PercentProgress now; RDS reports whole percents. */
  percent?: number | undefined;
  /** The wait that led to this check (start-export's for the first one). */
  previousWaitSeconds: number;
  /** Seconds since tracking began (about when StartExportTask returned); a floor for the export's duration. */
  secondsTracked: number;
  /** Since this execution first saw IN_PROGRESS, and the percent seen then. */
  inProgress?: InProgressSince | undefined;
}

/** STARTING restores the snapshot first (minutes to hours): wait this share of the time tracked (geometric). */
const STARTING_SHARE = 0.9;
/** First IN_PROGRESS sighting, or no progress yet: sample again after this share of the time tracked. */
const PROBE_SHARE = 0.2;
/** Aim: completion noticed within this share of the export's duration (goal 5%; keep a reserve). */
const TOLERANCE_SHARE = 0.03;
/** When the estimate is not yet precise enough, check again at this share of the earliest completion. */
const APPROACH_SHARE = 0.85;
/**
 * The final wait spans at most this share of the estimated duration: a long jump on a precise
 * estimate still misses if the pace changes (progress is rarely exactly linear), a short one less.
 */
const FINAL_JUMP_SHARE = 0.15;
/** The final wait ends this share after the latest completion the readings allow. */
const FINISH_MARGIN_SHARE = 0.01;
/** PercentProgress is a whole number: a reading is within this many points of the true progress. */
const READING_ERROR = 1;
export const CANCELING_WAIT_SECONDS = 30;
const UNKNOWN_WAIT_SECONDS = 60;
/**
 * Every wait is at least this share of the time tracked, so waits grow geometrically whatever the
 * task reports (stuck at 100 %, CANCELING for hours, a percent that keeps going back): over the
 * 7-day timeout that is at most a few hundred checks, far below the 25,000 history events an
 * execution may hold (test/statemachines/export-history.test.ts counts them). 2 % of the time
 * tracked is also the most it can add to noticing the completion.
 */
export const MIN_WAIT_SHARE = 0.02;

/** Whole seconds within the bounds; anything not a number means "look again soon". */
const clamp = (seconds: number, { minSeconds, maxSeconds }: WaitBounds): number =>
  Number.isNaN(seconds) ? minSeconds : Math.min(maxSeconds, Math.max(minSeconds, Math.ceil(seconds)));

/**
 * Seconds until the next status check. While IN_PROGRESS it brackets the completion time from
 * PercentProgress (whole percents, so each reading is off by up to one point) and, once that
 * bracket is narrow and the end is near, waits until just after the latest possible completion;
 * otherwise it checks again shortly before the earliest possible completion, when a longer
 * baseline has narrowed the bracket.
 */
export function nextWait(input: WaitInput, bounds: WaitBounds): number {
  const tracked = Number.isFinite(input.secondsTracked) ? Math.max(0, input.secondsTracked) : 0;
  const previous = Number.isFinite(input.previousWaitSeconds) ? input.previousWaitSeconds : bounds.minSeconds;
  const floor = tracked * MIN_WAIT_SHARE;
  switch (input.status) {
    case 'COMPLETE':
    case 'FAILED':
    case 'CANCELED':
      return bounds.minSeconds;
    case 'CANCELING':
      return clamp(Math.max(CANCELING_WAIT_SECONDS, floor), bounds);
    case 'UNKNOWN':
      return clamp(UNKNOWN_WAIT_SECONDS, bounds);
    case 'STARTING':
      return clamp(Math.max(previous, tracked * STARTING_SHARE), bounds);
    case 'IN_PROGRESS':
      return clamp(Math.max(inProgressWait(input, tracked, bounds), floor), bounds);
  }
}

function inProgressWait(input: WaitInput, tracked: number, bounds: WaitBounds): number {
  const probe = Math.max(bounds.minSeconds, tracked * PROBE_SHARE);
  const percent = input.percent;
  if (percent === undefined || !Number.isFinite(percent) || percent < 0) return probe;
  // 100 but not COMPLETE: the service is finishing (metadata files); it ends any moment, so look
  // again soon, backing off (the floor) if it does not.
  if (percent >= 100) return bounds.minSeconds;
  const { earliest, latest } = bracket(percent, input.inProgress);
  const finish = latest * (1 + FINISH_MARGIN_SHARE);
  const precise = latest - earliest <= TOLERANCE_SHARE * (tracked + earliest);
  if (precise && earliest <= FINAL_JUMP_SHARE * (tracked + earliest)) return finish;
  // Nothing bounds the rate from above yet: sample again, before the slowest rate would finish.
  if (earliest === 0) return Math.min(probe, latest / 2);
  // Land early enough that the check after this one (at least minSeconds later) can still be on time;
  // when there is no room for that, one more check cannot help: go for the end.
  const approach = Math.min(earliest * APPROACH_SHARE, earliest - bounds.minSeconds);
  return approach < bounds.minSeconds && Number.isFinite(latest) ? finish : approach;
}

/**
 * Earliest and latest completion (seconds from now) if progress is linear. A whole-percent reading
 * is taken as within one point of the truth (floored or rounded). Lower bounds on the rate come
 * from the gain since the first IN_PROGRESS sighting and from IN_PROGRESS having begun after the
 * last STARTING check; the upper bound comes from the gain alone.
 */
function bracket(percent: number, since: InProgressSince | undefined): { earliest: number; latest: number } {
  let fastest = Number.POSITIVE_INFINITY;
  let slowest = 0;
  const gained = since === undefined ? 0 : percent - since.percentAtStart;
  if (since !== undefined && since.seconds > 0 && gained >= 0) {
    fastest = (gained + 2 * READING_ERROR) / since.seconds;
    slowest = Math.max(gained - 2 * READING_ERROR, 0) / since.seconds;
  }
  const sinceStarting = since?.secondsSinceStarting;
  if (sinceStarting !== undefined && sinceStarting > 0) {
    slowest = Math.max(slowest, Math.max(percent - READING_ERROR, 0) / sinceStarting);
  }
  return {
    earliest: Number.isFinite(fastest) ? Math.max(0, 100 - percent - READING_ERROR) / fastest : 0,
    latest: slowest > 0 ? (100 - percent + READING_ERROR) / slowest : Number.POSITIVE_INFINITY,
  };
}

/** The event wait before the task reports a rate: this many times the time tracked (see eventWait). */
export const EVENT_HORIZON_SHARE = 3;
/** However long an export may still take, an execution looks again at least this often. */
export const EVENT_WAIT_MAX_SECONDS = 6 * 3600;

/**
 * How long an execution waits for RDS's export-finished event before it checks anyway: when the
 * export should have ended at the latest, not the next sample polling would take. With a reading of
 * p % after t seconds tracked, progress at least as fast as the average so far (STARTING counts as
 * no progress) ends within t × (100 − p + 1) / (p − 1) more; before the task reports a rate, and
 * whenever that bound is further, the wait is a horizon of EVENT_HORIZON_SHARE × t, the geometric
 * growth polling has but steeper. Never shorter than the polling wait `pollSeconds`, so an event
 * that is lost costs a check or two (far fewer than polling made) and a delay of a share of the
 * export's duration (bench/results.md measures both with 30 % of the events dropped).
 */
export function eventWait(input: WaitInput, pollSeconds: number, bounds: WaitBounds): number {
  const tracked = Number.isFinite(input.secondsTracked) ? Math.max(0, input.secondsTracked) : 0;
  let wait = tracked * EVENT_HORIZON_SHARE;
  const p = input.percent;
  if (input.status === 'IN_PROGRESS' && p !== undefined && p >= 2 && p < 100) {
    wait = Math.min(
      wait,
      ((tracked * (100 - p + READING_ERROR)) / (p - READING_ERROR)) * (1 + FINISH_MARGIN_SHARE),
    );
  }
  const ceiling = Math.max(bounds.maxSeconds, EVENT_WAIT_MAX_SECONDS);
  return clamp(Math.max(pollSeconds, wait), { minSeconds: bounds.minSeconds, maxSeconds: ceiling });
}
