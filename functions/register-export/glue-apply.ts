import type { ErrorDetail, PartitionInput, TableInput } from '@aws-sdk/client-glue';
import { BatchCreatePartitionCommand, CreateTableCommand, UpdateTableCommand } from '@aws-sdk/client-glue';
import { awsCause, isAwsError, isRetryableAwsError } from '#shared/aws/errors.ts';
import type { GlueWrite } from './glue-plan.ts';
import { type Glue, P } from './glue-tables.ts';

export type ApplyOutcome =
  | { ok: true; calls: number }
  /** `transient`: throttling or a 5xx the SDK's retries did not outlast; a later invocation may pass. */
  | { ok: false; calls: number; reason: string; transient: boolean };

/**
 * How a BatchCreatePartition entry that failed transiently is sent again. This is the one retry in
 * the function's own code, because no other layer can own it: Glue answers the call with HTTP 200
 * and puts each partition's failure in `Errors[]` ("The errors encountered when trying to create the
 * requested partitions", BatchCreatePartitionResponse in the Glue API model, glue/2017-03-31), so
 * the SDK's retry strategy, which retries failed requests, never sees it. Each attempt is one
 * request, which the SDK retries in turn only if the request itself fails (shared/aws/client-config.ts).
 */
export type EntryRetry = {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

/** Five attempts, waiting up to 1, 2, 4 and 8 s between them: the SDK's own schedule for throttling. */
export const ENTRY_RETRY: EntryRetry = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 20_000 };

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A BatchCreatePartition entry error, named after its code so the AWS error classifier can judge it. */
class PartitionEntryError extends Error {
  constructor(detail: ErrorDetail) {
    super(detail.ErrorMessage ?? detail.ErrorCode ?? 'unknown partition error');
    this.name = detail.ErrorCode ?? 'PartitionEntryError';
  }
}

/**
 * Runs one table's writes in order, one request each: the client's retry strategy has retried a
 * request that failed (throttling, 5xx) before the error reaches here. A per-entry error in
 * BatchCreatePartition's `Errors[]` is accepted when the partition already exists (an earlier,
 * interrupted run made it), sent again when transient (EntryRetry), and otherwise fails the table
 * with its reason.
 */
export async function applyWrites(
  glue: Glue,
  database: string,
  writes: readonly GlueWrite[],
  entryRetry: EntryRetry = ENTRY_RETRY,
): Promise<ApplyOutcome> {
  let calls = 0;
  const send = async <T>(fn: () => Promise<T>): Promise<T> => {
    calls++;
    return fn();
  };
  for (const w of writes) {
    try {
      if (w.kind === 'createPartition') {
        await createPartition(w.table, w.partition);
      } else if (w.kind === 'createTable') {
        await createOrUpdate(glue, database, w.input, send);
      } else {
        await send(() => glue.send(updateTable(database, w.input)));
      }
    } catch (err) {
      // The AWS error's own name and message (a classified client keeps it as the cause).
      const e = awsCause(err) as Error;
      const what = w.kind === 'createPartition' ? `partition of ${w.table}` : `${w.kind} ${w.input.Name}`;
      const transient = isRetryableAwsError(err, 'glue');
      const after = transient ? " (still failing after the SDK's retries)" : '';
      return { ok: false, calls, reason: `${what}: ${e.name}: ${e.message}${after}`, transient };
    }
  }
  return { ok: true, calls };

  async function createPartition(table: string, partition: PartitionInput): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const out = await send(() =>
        glue.send(
          new BatchCreatePartitionCommand({
            DatabaseName: database,
            TableName: table,
            PartitionInputList: [partition],
          }),
        ),
      );
      const detail = out.Errors?.find(
        (e) => e.ErrorDetail?.ErrorCode !== 'AlreadyExistsException',
      )?.ErrorDetail;
      if (!detail) return;
      const error = new PartitionEntryError(detail);
      if (attempt >= entryRetry.attempts || !isRetryableAwsError(error, 'glue')) throw error;
      // Exponential, capped, with full jitter (the SDK's backoff), so concurrent tables spread out.
      const ceiling = Math.min(entryRetry.maxDelayMs, entryRetry.baseDelayMs * 2 ** (attempt - 1));
      await (entryRetry.sleep ?? wait)(Math.floor((entryRetry.random ?? Math.random)() * ceiling));
    }
  }
}

async function createOrUpdate(
  glue: Glue,
  database: string,
  input: TableInput,
  send: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  try {
    await send(() => glue.send(new CreateTableCommand({ DatabaseName: database, TableInput: input })));
  } catch (err) {
    // A concurrent run created it between our read and this write: converge by updating instead.
    if (!isAwsError(err, 'AlreadyExistsException')) throw err;
    await send(() => glue.send(updateTable(database, input)));
  }
}

/**
 * Every UpdateTable archives the table's previous version unless SkipArchive is set, and Glue
 * allows 1,000,000 versions per account: 2,000 latest tables updated daily reach it in about 16
 * months, and then every Glue writer in the account fails. A latest table's earlier versions are
 * worth nothing (each export stays readable as a partition of its history table, with its own
 * columns), so its updates skip the archive. A history table is updated only when the schema
 * changes or its location moves up; its versions are kept as the record of those changes, and
 * stay few.
 */
function updateTable(database: string, input: TableInput): UpdateTableCommand {
  return new UpdateTableCommand({
    DatabaseName: database,
    TableInput: input,
    ...(SKIP_ARCHIVE.has(input.Parameters?.[P.role] ?? '') ? { SkipArchive: true } : {}),
  });
}

/**
 * Roles whose earlier versions are worth nothing: the latest table (see above) and the typed views.
 * A view changes only when its table's columns do, and the history table's versions already record
 * each such change; a view's archived versions would only count toward the quota.
 */
const SKIP_ARCHIVE = new Set(['latest', 'latest_typed', 'history_typed']);
