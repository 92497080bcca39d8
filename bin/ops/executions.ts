import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  type ExecutionStatus,
  type HistoryEvent,
  paginateGetExecutionHistory,
  paginateListExecutions,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { isAwsError } from '#shared/aws/errors.ts';
import { cappedPages } from '#shared/aws/pages.ts';
import { CaughtError, ExportTaskSummary } from '#shared/contract/execution.ts';
import { executionArnOf } from '#shared/exports/address.ts';
import { type Phase, phaseOf } from '../phases.ts';
import type { Context } from './deployment.ts';

type Sfn = Pick<SFNClient, 'send'>;

/** ListExecutions pages hold up to 1,000 executions, newest first (API reference). */
const PAGE_SIZE = 1000;
/** A listing that never ends would hang the command: 100 pages = 100,000 executions, listed no further. */
const MAX_PAGES = 100;
/** The latest events of an execution: a state's entered event is among its last few (4 pages of 25). */
const HISTORY_PAGE = 25;
const HISTORY_PAGES = 4;

/** The export's execution (DescribeExecution), or undefined where the state machine has none by that name. */
export async function describeExport(ctx: Context, id: string) {
  try {
    return await ctx.clients.sfn.send(
      new DescribeExecutionCommand({ executionArn: executionArnOf(ctx.deployment.stateMachineArn, id) }),
    );
  } catch (error) {
    if (isAwsError(error, 'ExecutionDoesNotExist')) return undefined;
    throw error;
  }
}

/** The state machine's executions, newest first, down to those started at `startedAfter`. */
export async function listExecutions(
  sfn: Sfn,
  stateMachineArn: string,
  filter: { status?: ExecutionStatus; startedAfter?: Date } = {},
): Promise<ExecutionListItem[]> {
  const found: ExecutionListItem[] = [];
  const pages = cappedPages(
    paginateListExecutions,
    { client: sfn, pageSize: PAGE_SIZE },
    { stateMachineArn, ...(filter.status === undefined ? {} : { statusFilter: filter.status }) },
    { maxPages: MAX_PAGES, atCap: 'truncate' },
  );
  for await (const page of pages) {
    for (const e of page.executions ?? []) {
      if (
        filter.startedAfter !== undefined &&
        (e.startDate?.getTime() ?? 0) < filter.startedAfter.getTime()
      ) {
        return found;
      }
      found.push(e);
    }
  }
  return found;
}

/** How an execution ended, from its last history event. */
export interface Ending {
  type: string;
  error?: string;
  cause?: string;
  output?: string;
}

/** The state an execution is in or ended in, with the input that state received. */
export interface LatestState {
  state?: string;
  enteredAt?: Date;
  input?: unknown;
  ending?: Ending;
}

const ENDINGS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

function endingOf(event: HistoryEvent): Ending {
  const details =
    event.executionFailedEventDetails ??
    event.executionAbortedEventDetails ??
    event.executionTimedOutEventDetails ??
    {};
  return {
    type: event.type ?? 'ExecutionEnded',
    ...(details.error === undefined ? {} : { error: details.error }),
    ...(details.cause === undefined ? {} : { cause: details.cause }),
    ...(event.executionSucceededEventDetails?.output === undefined
      ? {}
      : { output: event.executionSucceededEventDetails.output }),
  };
}

export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Reads the execution's latest events (GetExecutionHistory in reverse order): the last state it
 * entered, with that state's input (the whole execution state), and how it ended if it did.
 */
export async function latestState(sfn: Sfn, executionArn: string): Promise<LatestState> {
  const latest: LatestState = {};
  const pages = cappedPages(
    paginateGetExecutionHistory,
    { client: sfn, pageSize: HISTORY_PAGE },
    { executionArn, reverseOrder: true },
    { maxPages: HISTORY_PAGES, atCap: 'truncate' },
  );
  for await (const page of pages) {
    for (const event of page.events ?? []) {
      if (latest.ending === undefined && ENDINGS.has(event.type ?? '')) latest.ending = endingOf(event);
      const entered = event.stateEnteredEventDetails;
      if (entered !== undefined && (event.type ?? '').endsWith('StateEntered')) {
        latest.state = entered.name;
        if (event.timestamp !== undefined) latest.enteredAt = event.timestamp;
        latest.input = parseJson(entered.input);
        return latest;
      }
    }
  }
  return latest;
}

/**
 * What the commands read of an execution's state, each part on its own and only the fields they
 * use: executions started by an older or newer version of the machine stay readable (Step
 * Functions keeps them 90 days, across deployments that change the contract).
 */
export const SeenJob = z.looseObject({
  exportTaskIdentifier: z.string(),
  source: z.looseObject({
    kind: z.string(),
    arn: z.string().optional(),
    sourceIdentifier: z.string(),
    snapshotIdentifier: z.string().optional(),
    snapshotCreateTime: z.string().optional(),
    scheduledTime: z.string().optional(),
    sizeGB: z.number().optional(),
  }),
  request: z.looseObject({
    S3BucketName: z.string().optional(),
    S3Prefix: z.string().optional(),
    /** A graph export names its graph and its destination URI. */
    graphIdentifier: z.string().optional(),
    destination: z.string().optional(),
  }),
  /** The pool's limit this export waits on (its rule's maxConcurrentExports or ...GraphExports). */
  limits: z.looseObject({ maxConcurrentExports: z.number() }).optional(),
});
export type SeenJob = z.infer<typeof SeenJob>;
const SeenStart = z.looseObject({
  outcome: z.string(),
  task: ExportTaskSummary.optional(),
  queue: z.looseObject({ since: z.string(), alerted: z.boolean().optional() }).optional(),
});
const SeenCheck = z.looseObject({
  task: ExportTaskSummary,
  inProgressSince: z.string().optional(),
  inProgressSincePercent: z.number().optional(),
});
const SeenRegistration = z.looseObject({
  registeredCount: z.number(),
  skippedCount: z.number(),
  failedCount: z.number(),
});

/** An export as the commands report it: one execution of the export machine. */
export interface ExportRun {
  exportTaskIdentifier: string;
  executionArn: string;
  executionStatus: string;
  startDate?: Date;
  stopDate?: Date;
  state?: string;
  phase?: Phase;
  job?: z.infer<typeof SeenJob>;
  start?: z.infer<typeof SeenStart>;
  check?: z.infer<typeof SeenCheck>;
  registration?: z.infer<typeof SeenRegistration>;
  error?: CaughtError;
  ending?: Ending;
}

export function field(input: unknown, name: string): unknown {
  return input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[name] : undefined;
}

/** Each part of the state on its own: a part the contract no longer knows leaves the others readable. */
function parsed<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> | undefined {
  if (value === undefined) return undefined;
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

/** What an execution's latest state says about its export. */
export function toExportRun(item: ExecutionListItem, latest: LatestState): ExportRun {
  const input = latest.input;
  const run: ExportRun = {
    exportTaskIdentifier: item.name ?? '',
    executionArn: item.executionArn ?? '',
    executionStatus: item.status ?? 'UNKNOWN',
  };
  if (item.startDate !== undefined) run.startDate = item.startDate;
  if (item.stopDate !== undefined) run.stopDate = item.stopDate;
  if (latest.state !== undefined) {
    run.state = latest.state;
    const phase = phaseOf(latest.state);
    if (phase !== undefined) run.phase = phase;
  }
  const job = parsed(SeenJob, input);
  if (job !== undefined) run.job = job;
  const start = parsed(SeenStart, field(input, 'start'));
  if (start !== undefined) run.start = start;
  const check = parsed(SeenCheck, field(input, 'check'));
  if (check !== undefined) run.check = check;
  const registration = parsed(SeenRegistration, field(input, 'registration'));
  if (registration !== undefined) run.registration = registration;
  const error = parsed(CaughtError, field(input, 'error'));
  if (error !== undefined) run.error = error;
  if (latest.ending !== undefined) run.ending = latest.ending;
  return run;
}

/** The export task as the execution last saw it. */
export function taskOf(run: ExportRun): ExportTaskSummary | undefined {
  if (run.check !== undefined) return run.check.task;
  return run.start?.task;
}
