import { z } from 'zod';
import { ACCOUNT_ID } from '../aws/accounts.ts';
import { policyOf } from '../sources/kinds/registry/policy.ts';
import { AccountName, RegionName } from './names.ts';

/**
 * Policy schedules: sources with no "ready" event (live Aurora clusters, Neptune Analytics graphs)
 * are exported on EventBridge Scheduler schedules. Each schedule selects sources of one kind, which
 * then go through the same ordered rules as snapshots. A cluster schedule may select the clusters of
 * member accounts (through their access role, as every function that acts on a member's sources)
 * and of other Regions; by default it selects the deployment's own account and Region.
 */

/** What a schedule can select. */
export const SCHEDULE_KINDS = ['cluster', 'graph'] as const;

/** EventBridge Scheduler: `rate(value unit)`, singular unit for 1 (Scheduler User Guide, schedule types). */
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#LW-]+$/;

/** Why an expression is not a Scheduler rate or cron expression, or undefined when it is. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (value < 1) return 'a rate must be at least 1';
    if (value === 1 && unit.endsWith('s'))
      return `rate(1 ${unit}) must use the singular unit, e.g. rate(1 day)`;
    if (value > 1 && !unit.endsWith('s'))
      return `rate(${value} ${unit}) must use the plural unit, e.g. rate(${value} ${unit}s)`;
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const fields = (cron[1] ?? '').trim().split(/\s+/);
    if (fields.length !== 6) {
      return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one ${fields.length}`;
    }
    if (!fields.every((f) => CRON_FIELD.test(f))) return 'a cron field holds a character cron does not take';
    const [, , dayOfMonth, , dayOfWeek] = fields;
    // Scheduler cron: one of day-of-month and day-of-week must be `?`.
    if ((dayOfMonth === '?') === (dayOfWeek === '?'))
      return 'exactly one of day-of-month and day-of-week must be ?';
    return undefined;
  }
  return 'must be rate(value unit) or cron(minutes hours day-of-month month day-of-week year)';
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const Glob = z.string().min(1);
/** A value or a non-empty list of values, always a list after parsing. */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (Array.isArray(v) || v === undefined ? v : [v]), z.array(item).min(1));
const globs = oneOrMany(Glob);

/**
 * An account a schedule lists sources in: its ID, or its name under the policy's `accounts:`. No
 * globs: a slot calls each account's RDS through its access role, so the schedule names each one
 * (a glob would select accounts nobody listed, and fail the slot on those without the member stack).
 */
const ScheduleAccount = z
  .string()
  .refine(
    (v) => ACCOUNT_ID.test(v) || AccountName.safeParse(v).success,
    'must be a 12-digit account ID or an account name from accounts: (no globs: list each account)',
  );

/**
 * The account ID a schedule's `accounts` entry names: an ID as is, a name by the policy's
 * `accounts:` (case-insensitive, as a rule's account names match); undefined for a name it lacks.
 */
export function scheduleAccountId(
  entry: string,
  accounts: Readonly<Record<string, string>>,
): string | undefined {
  if (ACCOUNT_ID.test(entry)) return entry;
  const wanted = entry.toLowerCase();
  return Object.entries(accounts).find(([, name]) => name.toLowerCase() === wanted)?.[0];
}

/** The entries of a list that repeat an earlier one, with the earlier one's index. */
function repeats(values: readonly string[]): { index: number; first: number }[] {
  const seen = new Map<string, number>();
  const found: { index: number; first: number }[] = [];
  values.forEach((value, index) => {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else found.push({ index, first });
  });
  return found;
}

export const ScheduleSelector = z
  .strictObject({
    kind: z.enum(SCHEDULE_KINDS),
    /** Globs on the cluster identifier, or on the graph's name or its `g-…` identifier (case-insensitive). */
    identifier: globs.optional(),
    /** Globs on the engine; a kind whose sources have none refuses it (its policy, shared/sources/kinds/). */
    engine: globs.optional(),
    /** Tag → value glob; every one must hold. */
    tags: z.record(z.string().min(1), z.string()).optional(),
    /**
     * The accounts whose sources it lists (IDs, or names under `accounts:`); default the
     * deployment's own. A member's are listed through its access role (serverless.member.yml).
     */
    accounts: oneOrMany(ScheduleAccount).optional(),
    /** The Regions whose sources it lists, in each of those accounts; default the deployment's own. */
    regions: oneOrMany(RegionName).optional(),
  })
  .superRefine((selector, ctx) => {
    // The same account or Region twice would list its sources twice (the schema then checks that
    // names and IDs name distinct accounts).
    for (const field of ['accounts', 'regions'] as const) {
      for (const { index, first } of repeats(selector[field] ?? [])) {
        ctx.addIssue({ code: 'custom', path: [field, index], message: `repeats ${field}[${first}]` });
      }
    }
    // What the kind cannot be selected by (a graph has no engine): its `policy`, shared/sources/kinds/.
    const refused = policyOf(selector.kind).refusedSelectors;
    for (const [field, why] of Object.entries(refused)) {
      if (selector[field as keyof typeof selector] !== undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: why });
    }
  });
export type ScheduleSelector = z.infer<typeof ScheduleSelector>;

export const Schedule = z.strictObject({
  /** The Scheduler schedule's name, inside the deployment's schedule group. */
  name: z
    .string()
    .regex(/^[0-9A-Za-z_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . - (an EventBridge Scheduler name)'),
  expression: z.string().superRefine((expression, ctx) => {
    const problem = scheduleExpressionProblem(expression);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** IANA time zone the cron expression is read in (ScheduleExpressionTimezone); default UTC. */
  timezone: z.string().refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Berlin').default('UTC'),
  /** Scheduler may start the slot up to this many minutes late, to spread load (1-1440). */
  flexibleWindowMinutes: z.number().int().min(1).max(1440).optional(),
  select: ScheduleSelector,
});
export type Schedule = z.infer<typeof Schedule>;
