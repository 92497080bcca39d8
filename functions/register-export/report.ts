import { PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { awsCause } from '#shared/aws/errors.ts';
import { AwsThrottledError } from '#shared/contract/errors.ts';
import type { RegistrationResult } from '#shared/contract/execution.ts';
import { BUDGET, byteLength, firstFitting, truncateText } from '#shared/contract/payload.ts';
import { getText, type S3 } from './s3-export.ts';
import { describeSchemaChange, type SchemaChange } from './schema-changes.ts';

/** Everything one registration found, unbounded: what the report in S3 holds. */
export type FullRegistration = {
  database: string;
  registered: RegistrationResult['registered'];
  skipped: RegistrationResult['skipped'];
  failed: RegistrationResult['failed'];
  problems: string[];
  /** Tables whose columns changed since the export their latest table showed before. */
  schemaChanges?: SchemaChange[];
  /** The typed views of the registered tables, and the Glue writes this run made to them. */
  typedViews?: { count: number; written: number; names: string[] };
};

/**
 * The report sits next to the export's own metadata files, at the export's root, where no table
 * location reads it (tables live two folders down) and where deleting the export deletes it too.
 */
export const REPORT_FILE = 'rds-export-registration-report.json';

/** Writes the full report; returns its s3:// URI. */
export async function writeReport(
  s3: S3,
  bucket: string,
  root: string,
  exportTaskIdentifier: string,
  full: FullRegistration,
): Promise<string> {
  const key = `${root}${REPORT_FILE}`;
  const body = JSON.stringify({ version: 1, exportTaskIdentifier, ...full }, null, 1);
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
  );
  return `s3://${bucket}/${key}`;
}

const Entry = z.looseObject({ target: z.string(), reason: z.string() });
/** The report as writeReport wrote it; only the fields merged are checked. */
const StoredReport = z.looseObject({
  database: z.string(),
  registered: z.array(
    z.looseObject({
      target: z.string(),
      table: z.string(),
      columns: z.number(),
      notes: z.array(z.string()).optional(),
    }),
  ),
  skipped: z.array(Entry),
  failed: z.array(Entry),
  problems: z.array(z.string()),
  schemaChanges: z.array(z.looseObject({ target: z.string() })).optional(),
  typedViews: z.object({ count: z.number(), written: z.number(), names: z.array(z.string()) }).optional(),
});

/**
 * The report the earlier invocations of a registration cut short wrote (the cursor says there were
 * some): what this invocation adds to. An unreadable report fails the invocation (retried by the
 * state machine) rather than losing the tables it lists.
 */
export async function readReport(s3: S3, bucket: string, root: string): Promise<FullRegistration> {
  const text = await getText(s3, bucket, `${root}${REPORT_FILE}`);
  return StoredReport.parse(JSON.parse(text)) as FullRegistration;
}

/** Keyed by target, the later entry winning: a table registered again is one table. */
function byTarget<T extends { target: string }>(...lists: (readonly T[] | undefined)[]): T[] {
  const out = new Map<string, T>();
  for (const list of lists) for (const entry of list ?? []) out.set(entry.target, entry);
  return [...out.values()];
}

/**
 * The report of the invocations so far and this one's, as one: each table once (this invocation's
 * word on it last), in no list but its latest; linear in the tables.
 */
export function mergeRegistrations(earlier: FullRegistration, now: FullRegistration): FullRegistration {
  const registered = byTarget(earlier.registered, now.registered);
  const failed = byTarget(earlier.failed, now.failed);
  const nowRegistered = new Set(now.registered.map((r) => r.target));
  const nowFailed = new Set(now.failed.map((r) => r.target));
  const names = new Set([...(earlier.typedViews?.names ?? []), ...(now.typedViews?.names ?? [])]);
  return {
    database: now.database,
    registered: registered.filter((r) => !nowFailed.has(r.target)),
    failed: failed.filter((r) => !nowRegistered.has(r.target)),
    skipped: byTarget(earlier.skipped, now.skipped),
    problems: [...new Set([...earlier.problems, ...now.problems])],
    schemaChanges: byTarget(earlier.schemaChanges, now.schemaChanges),
    typedViews: {
      count: names.size,
      written: (earlier.typedViews?.written ?? 0) + (now.typedViews?.written ?? 0),
      names: [...names],
    },
  };
}

/**
 * Registration is idempotent, so a table that failed only because Glue still throttled it (or
 * answered 5xx) after the SDK's retries is not reported as failed: the invocation fails retryably
 * and the state machine runs the whole registration again (Retry of "Register tables", bounded);
 * what was written is found written. Only once those attempts are spent does the export end with
 * its tables unregistered. Throttling thus slows registration down instead of failing tables.
 */
export function failIfTransient(transient: readonly string[]): void {
  if (transient.length === 0) return;
  throw new AwsThrottledError(
    `Glue kept refusing ${transient.length} table(s) transiently after the SDK's retries (${transient
      .slice(0, 5)
      .join(', ')}${transient.length > 5 ? ', …' : ''}); registering again`,
  );
}

/**
 * Writes the full report and returns the result kept
 * in the state. The tables are registered either way: when the report cannot be written, a problem
 * says so and the result still counts everything.
 */
export async function reportRegistration(
  s3: S3,
  bucket: string,
  root: string,
  exportTaskIdentifier: string,
  full: FullRegistration,
): Promise<RegistrationResult> {
  let report: string | undefined;
  try {
    report = await writeReport(s3, bucket, root, exportTaskIdentifier, full);
  } catch (err) {
    const e = awsCause(err) as Error;
    full.problems.push(`the full registration report could not be written: ${e.name}: ${e.message}`);
  }
  return boundedResult(full, report);
}

const boundReason = <T extends { reason: string }>(entry: T): T => ({
  ...entry,
  reason: truncateText(entry.reason, BUDGET.reasonChars),
});

/**
 * The result kept in the state: exact counts, and of each list the first entries that fit its
 * share of BUDGET.registrationBytes (failures first: they need someone to act). The typed views
 * are two counts; their names are in the report.
 */
export function boundedResult(full: FullRegistration, report: string | undefined): RegistrationResult {
  const share = Math.floor((BUDGET.registrationBytes - 2048) / 5);
  const failed = firstFitting(full.failed.map(boundReason), share);
  const skipped = firstFitting(full.skipped.map(boundReason), share);
  const problems = firstFitting(
    full.problems.map((p) => truncateText(p, BUDGET.reasonChars)),
    share,
  );
  const schemaChanges = firstFitting(
    (full.schemaChanges ?? []).map((c) => ({
      target: c.target,
      change: truncateText(describeSchemaChange(c), BUDGET.reasonChars),
    })),
    share,
  );
  // Registered tables get their share plus what the others left unused.
  const left =
    BUDGET.registrationBytes -
    2048 -
    byteLength(failed) -
    byteLength(skipped) -
    byteLength(problems) -
    byteLength(schemaChanges);
  const registered = firstFitting(
    full.registered.map((r) =>
      r.notes === undefined ? r : { ...r, notes: r.notes.map((n) => truncateText(n, BUDGET.reasonChars)) },
    ),
    left,
  );
  return {
    database: full.database,
    registered,
    registeredCount: full.registered.length,
    skipped,
    skippedCount: full.skipped.length,
    failed,
    failedCount: full.failed.length,
    ...(full.problems.length > 0 ? { problems, problemsCount: full.problems.length } : {}),
    ...(report === undefined ? {} : { report }),
    ...(full.schemaChanges === undefined || full.schemaChanges.length === 0
      ? {}
      : { schemaChanges, schemaChangesCount: full.schemaChanges.length }),
    ...(full.typedViews === undefined
      ? {}
      : { typedViews: { count: full.typedViews.count, written: full.typedViews.written } }),
  };
}
