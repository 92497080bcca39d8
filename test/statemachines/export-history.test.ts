import { DescribeExportTasksCommand, type ExportTask, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkExport } from '#functions/check-export/check.ts';
import { startExport } from '#functions/start-export/start.ts';
import type { ExecutionState } from '#shared/contract/execution.ts';
import { rdsExportService } from '#shared/sources/rds/export-service.ts';
import { startedState } from '../unit/functions/check-export/state.ts';
import { job } from '../unit/functions/start-export/job.ts';
import { FakeSlots } from '../unit/functions/start-export/slots.ts';
import { type AslDefinition, loadDefinition } from './definition.ts';

/**
 * A Standard execution holds at most 25,000 history events (Step Functions quotas), and running
 * out ends it without a notification. These runs drive the real check-export and start-export
 * logic through seven simulated days of the worst a task can report, every export-finished event
 * lost (each wait ends by its timeout), and count the events the real ASL records for each loop (a
 * Lambda Task state records Entered, Scheduled, Started, Succeeded and Exited, a callback task also
 * Submitted; a Wait, Pass or Choice state Entered and Exited).
 */
const HISTORY_LIMIT = 25_000;
const definition = loadDefinition();
const TIMEOUT = definition.TimeoutSeconds ?? 0;

function eventsOf(state: string): number {
  const found = definition.States[state];
  if (found === undefined) throw new Error(`no state ${state}`);
  if (found.Type !== 'Task') return 2;
  // A callback task also records TaskSubmitted; it ends TaskSucceeded or TaskTimedOut.
  return String(found.Resource).endsWith('.waitForTaskToken') ? 6 : 5;
}

/** Events of one turn of the loop that starts at `from` and comes back to it. */
function loopEvents(asl: AslDefinition, from: string, via: Record<string, string>): number {
  let events = 0;
  let at: string | undefined = from;
  for (let hops = 0; hops < 20; hops++) {
    events += eventsOf(at);
    const state: AslDefinition['States'][string] | undefined = asl.States[at];
    at = via[at] ?? state?.Next;
    if (at === from) return events;
    if (at === undefined) break;
  }
  throw new Error(`no loop back to ${from}`);
}

const POLL_EVENTS = loopEvents(definition, 'Check export', {
  'Export ended?': 'Export finished?',
  'Export finished?': 'Wait for the export to end again',
});
const QUEUE_EVENTS = loopEvents(definition, 'Start export', {
  'Export slot free?': 'Queued too long?',
  'Queued too long?': 'Wait for a free export slot',
});

const rds = mockClient(RDSClient);
const client = new RDSClient({ region: 'us-east-1' });
const T0 = Date.parse('2024-05-01T08:00:00.000Z');

/** Polls for seven simulated days; `report` says what RDS answers at second `t` of tracking. */
async function pollForAWeek(report: (t: number, poll: number) => Partial<ExportTask>): Promise<number> {
  let now = 20;
  let polls = 0;
  rds.on(DescribeExportTasksCommand).callsFake(() => ({
    ExportTasks: [{ ExportTaskIdentifier: job().exportTaskIdentifier, ...report(now, polls) }],
  }));
  let state: ExecutionState = startedState();
  while (now < TIMEOUT) {
    const at = now;
    const check = await checkExport(state, {
      rds: client,
      now: () => new Date(T0 + at * 1000),
      bounds: { minSeconds: 5, maxSeconds: 1800 },
    });
    polls = check.polls;
    state = { ...state, check };
    now += check.waitSeconds;
  }
  return polls;
}

beforeEach(() => rds.reset());

describe('the execution history over the seven-day timeout', () => {
  it('counts the events of one poll and of one queue turn from the real ASL', () => {
    expect(POLL_EVENTS).toBe(17);
    expect(QUEUE_EVENTS).toBe(17);
  });

  it.each<[string, (t: number, poll: number) => Partial<ExportTask>]>([
    ['stuck IN_PROGRESS at 100 %', () => ({ Status: 'IN_PROGRESS', PercentProgress: 100 })],
    ['CANCELING for days', () => ({ Status: 'CANCELING' })],
    ['STARTING for days', () => ({ Status: 'STARTING' })],
    ['IN_PROGRESS stuck at 50 %', () => ({ Status: 'IN_PROGRESS', PercentProgress: 50 })],
    [
      'IN_PROGRESS with a percent that keeps going back',
      (_t, poll) => ({ Status: 'IN_PROGRESS', PercentProgress: poll % 2 === 0 ? 99 : 1 }),
    ],
    [
      'IN_PROGRESS creeping towards 100 % and never arriving',
      (t) => ({ Status: 'IN_PROGRESS', PercentProgress: Math.min(99, Math.floor(t / 3600)) }),
    ],
    ['IN_PROGRESS without a percent', () => ({ Status: 'IN_PROGRESS' })],
  ])('stays under the history limit for a task %s', async (_name, report) => {
    const polls = await pollForAWeek(report);
    const events = polls * POLL_EVENTS;
    expect(events).toBeLessThan(HISTORY_LIMIT / 2);
  });

  it('stays under the history limit for an export queued for the whole week', async () => {
    rds.on(DescribeExportTasksCommand).resolves({
      ExportTasks: Array.from({ length: 5 }, (_, i) => ({
        ExportTaskIdentifier: `other-${i}`,
        Status: 'STARTING',
      })),
    });
    rds.on(DescribeExportTasksCommand, { ExportTaskIdentifier: job().exportTaskIdentifier }).resolves({});
    const slots = FakeSlots.full(5);
    let now = 0;
    let turns = 0;
    let state: ExecutionState = job();
    while (now < TIMEOUT) {
      const at = now;
      const start = await startExport(state, {
        service: rdsExportService(client),
        endAnnounced: true,
        now: () => new Date(T0 + at * 1000),
        // The shortest waits the jitter allows: the worst case.
        random: () => 0,
        queueBaseWaitSeconds: 60,
        queueMaxWaitSeconds: 900,
        // Every slot held the whole week, by tasks the pipeline did not start.
        slots,
      });
      turns++;
      state = { ...state, start };
      now += start.waitSeconds;
    }
    // The queued-too-long alert adds one notification Task.
    expect(turns * QUEUE_EVENTS + 5).toBeLessThan(HISTORY_LIMIT);
  });
});
