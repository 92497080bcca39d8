import type { ExportTask } from '@aws-sdk/client-rds';
import type { PlannedSnapshot } from './backfill-plan.ts';

/** Export pricing is per GB of the whole snapshot: about $0.010/GB in us-east-1, Region-dependent. */
export const DEFAULT_PRICE_PER_GB = 0.01;
/** An assumption, used until the account has completed exports to observe: GB per hour per export. */
export const ASSUMED_GB_PER_HOUR = 50;
/** STARTING alone (the service restores the snapshot) takes a while, however small the snapshot. */
const MIN_EXPORT_HOURS = 0.25;
/**
 * An execution times out after 7 days (statemachines/export.asl.yml); one that would not finish
 * within 6 only waits in the queue to fail, so it is deferred to a later backfill.
 */
export const USEFUL_QUEUE_HOURS = 6 * 24;

export interface Rate {
  gbPerHour: number;
  /** `observed`: from the account's completed export tasks; `given`: --gb-per-hour; else assumed. */
  basis: 'observed' | 'given' | 'assumed';
  completedTasks?: number;
}

/** GB per hour per export, observed from the account's completed tasks (their data over their time). */
export function exportRate(tasks: ExportTask[], given: number | undefined): Rate {
  if (given !== undefined) return { gbPerHour: given, basis: 'given' };
  let gb = 0;
  let hours = 0;
  let count = 0;
  for (const t of tasks) {
    if (t.Status !== 'COMPLETE' || t.TaskStartTime === undefined || t.TaskEndTime === undefined) continue;
    const h = (t.TaskEndTime.getTime() - t.TaskStartTime.getTime()) / 3_600_000;
    if (!(h > 0) || !(t.TotalExtractedDataInGB && t.TotalExtractedDataInGB > 0)) continue;
    gb += t.TotalExtractedDataInGB;
    hours += h;
    count++;
  }
  // A few GB say little about a large backlog: observe only from at least 10 GB exported.
  return gb >= 10 && hours > 0
    ? { gbPerHour: gb / hours, basis: 'observed', completedTasks: count }
    : { gbPerHour: ASSUMED_GB_PER_HOUR, basis: 'assumed' };
}

export interface Forecast {
  slots: number;
  rate: Rate;
  /** Exports other than this backfill's holding slots now (they are counted as busy until they end). */
  activeNow: number;
  exports: number;
  deferred: number;
  sizeGB: number;
  /** Hours until the last started export is expected to end, at `rate` on `slots` slots. */
  hours: number;
  pricePerGB: number;
  estimatedCostUSD: number;
}

const hoursOf = (s: PlannedSnapshot, rate: Rate) =>
  Math.max(MIN_EXPORT_HOURS, (s.sizeGB ?? 0) / rate.gbPerHour);

/**
 * Schedules the exports on the account's slots in order (each starts when a slot frees), defers
 * those that would end past the useful queue or beyond `max`, and prices them. Mutates `planned`:
 * a deferred export's decision becomes `defer`.
 */
export function forecast(
  planned: PlannedSnapshot[],
  options: { slots: number; activeNow: number; rate: Rate; pricePerGB: number; max?: number },
): Forecast {
  // Tasks already running hold their slots for another hour or so: their remaining time is unknown.
  const free = Array.from({ length: options.slots }, (_, i): number => (i < options.activeNow ? 1 : 0));
  let exports = 0;
  let deferred = 0;
  let sizeGB = 0;
  let end = 0;
  for (const s of planned) {
    if (s.sizeGB !== undefined) s.estimatedCostUSD = Number((s.sizeGB * options.pricePerGB).toFixed(4));
    if (s.decision !== 'export') continue;
    const slot = free.indexOf(Math.min(...free));
    const finish = (free[slot] ?? 0) + hoursOf(s, options.rate);
    if (finish > USEFUL_QUEUE_HOURS || (options.max !== undefined && exports >= options.max)) {
      s.decision = 'defer';
      s.reason =
        finish > USEFUL_QUEUE_HOURS
          ? `deferred: it would end about ${Math.round(finish)} h from now, past what the queue holds usefully (${USEFUL_QUEUE_HOURS} h, under the 7-day execution timeout); run backfill again later`
          : `deferred: beyond --max ${options.max}; run backfill again later`;
      deferred++;
      continue;
    }
    free[slot] = finish;
    end = Math.max(end, finish);
    exports++;
    sizeGB += s.sizeGB ?? 0;
  }
  return {
    slots: options.slots,
    rate: options.rate,
    activeNow: options.activeNow,
    exports,
    deferred,
    sizeGB,
    hours: end,
    pricePerGB: options.pricePerGB,
    estimatedCostUSD: Number((sizeGB * options.pricePerGB).toFixed(2)),
  };
}
