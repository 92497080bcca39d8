import { describe, expect, it } from 'vitest';
import type { StartResult } from '#shared/contract/execution.ts';
import { checked, job, queued, registration, started } from './fixtures.ts';
import { kinds, runExecution, ScriptedFunction, ScriptedWaits } from './harness.ts';

// The real ASL's waits on task tokens (Wait for the export to end, Wait for a free export slot),
// with the waits function scripted: an event (or a release) wakes the token, or it never comes
// and the state's timeout ends the wait.

describe('waiting for the export to end', () => {
  it('checks once when the export-finished event arrives, and releases the slot it held', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [registration]);
    const waits = new ScriptedWaits({ exports: ['woken'] });

    const outcome = await runExecution(job, { start, check, register, waits });

    expect(outcome.error).toBeUndefined();
    expect(check.requests).toHaveLength(1);
    expect(waits.ofAction('wait-export')).toEqual([
      {
        action: 'wait-export',
        taskToken: expect.stringMatching(/^local-/),
        exportTaskIdentifier: job.exportTaskIdentifier,
        sourceArn: job.source.arn,
        checkedAt: '2024-05-01T06:15:03.000Z',
      },
    ]);
    expect(waits.ofAction('release')).toEqual([
      {
        action: 'release',
        exportTaskIdentifier: job.exportTaskIdentifier,
        sourceKind: job.source.kind,
        sourceArn: job.source.arn,
      },
    ]);
    expect(kinds(outcome)).toEqual(['started', 'completed']);
  });

  it('polls on its own when the event is lost: the wait times out and checks', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [
      checked('IN_PROGRESS', 1, { percentProgress: 40 }),
      checked('COMPLETE', 2),
    ]);
    const register = new ScriptedFunction('register-export', [registration]);
    const waits = new ScriptedWaits({ exports: ['lost', 'lost'] });

    const outcome = await runExecution(job, { start, check, register, waits });

    expect(outcome.error).toBeUndefined();
    expect(check.requests).toHaveLength(2);
    // The second wait's timeout is check-export's adaptive estimate; its checkedAt the check's.
    expect(waits.ofAction('wait-export')[1]).toMatchObject({
      checkedAt: checked('IN_PROGRESS', 1).checkedAt,
    });
    expect(kinds(outcome)).toEqual(['started', 'completed']);
  });

  it('does nothing harmful with a duplicate event: the token is used once, one check follows', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [registration]);
    const waits = new ScriptedWaits({ exports: ['duplicate'] });

    const outcome = await runExecution(job, { start, check, register, waits });

    expect(waits.staleWakes).toHaveLength(1);
    expect(check.requests).toHaveLength(1);
    expect(kinds(outcome)).toEqual(['started', 'completed']);
  });

  it('keeps checking a running export whatever wakes it, so an early or foreign event cannot end it', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [
      checked('IN_PROGRESS', 1, { percentProgress: 10 }),
      checked('IN_PROGRESS', 2, { percentProgress: 60 }),
      checked('COMPLETE', 3),
    ]);
    const register = new ScriptedFunction('register-export', [registration]);
    const waits = new ScriptedWaits({ exports: ['woken', 'woken', 'woken'] });

    const outcome = await runExecution(job, { start, check, register, waits });

    expect(check.requests).toHaveLength(3);
    expect(waits.ofAction('release')).toHaveLength(1);
    expect(kinds(outcome)).toEqual(['started', 'completed']);
  });
});

describe('whether the export’s end is announced', () => {
  // start-export records the source kind's answer at $.start.endAnnounced; the machine reads only that.
  const run = async (start: ScriptedFunction) => {
    const check = new ScriptedFunction('check-export', [
      checked('IN_PROGRESS', 1, { percentProgress: 40 }),
      checked('COMPLETE', 2),
    ]);
    const register = new ScriptedFunction('register-export', [registration]);
    const waits = new ScriptedWaits({ exports: 'woken' });
    const outcome = await runExecution(job, { start, check, register, waits });
    return { outcome, check, waits };
  };

  it('waits for the event at both choices when the start says its end is announced', async () => {
    const { outcome, check, waits } = await run(new ScriptedFunction('start-export', [started()]));
    expect(outcome.error).toBeUndefined();
    expect(check.requests).toHaveLength(2);
    expect(waits.ofAction('wait-export')).toHaveLength(2);
  });

  it('polls at both choices when the start says it is not, whatever the source kind', async () => {
    const notAnnounced = { ...started(), endAnnounced: false };
    const { outcome, check, waits } = await run(new ScriptedFunction('start-export', [notAnnounced]));
    expect(outcome.error).toBeUndefined();
    expect(job.source.kind).toBe('db-snapshot');
    expect(check.requests).toHaveLength(2);
    expect(waits.ofAction('wait-export')).toEqual([]);
    expect(kinds(outcome)).toEqual(['started', 'completed']);
  });

  it('polls, which is safe for every kind, when the start result does not say (a start-export older than the ASL)', async () => {
    const { endAnnounced: _dropped, ...older } = started() as Extract<StartResult, { outcome: 'started' }>;
    const { outcome, check, waits } = await run(new ScriptedFunction('start-export', [older]));
    expect(outcome.error).toBeUndefined();
    expect(check.requests).toHaveLength(2);
    expect(check.payloads[0]?.start).not.toHaveProperty('endAnnounced');
    expect(waits.ofAction('wait-export')).toEqual([]);
    expect(kinds(outcome)).toEqual(['started', 'completed']);
  });
});

describe('waiting for a free export slot', () => {
  it('queues, then starts at once when a release grants it a slot', async () => {
    const start = new ScriptedFunction('start-export', [queued(1, false), started()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [registration]);
    const waits = new ScriptedWaits({ slots: ['woken'], exports: ['woken'] });

    const outcome = await runExecution(job, { start, check, register, waits });

    expect(outcome.error).toBeUndefined();
    expect(waits.ofAction('wait-slot')).toEqual([
      {
        action: 'wait-slot',
        taskToken: expect.any(String),
        exportTaskIdentifier: job.exportTaskIdentifier,
        since: '2024-05-01T06:15:03.000Z',
        limit: job.limits.maxConcurrentExports,
        sourceKind: job.source.kind,
        sourceArn: job.source.arn,
      },
    ]);
    // The second attempt knows the slot was granted, so start-export need not count again.
    expect(start.payloads[1]?.slot).toEqual({ granted: true, at: expect.any(String) });
    expect(kinds(outcome)).toEqual(['started', 'completed']);
  });

  it('tries again on its own when no release comes, and when one comes after its timeout finds no waiter', async () => {
    const start = new ScriptedFunction('start-export', [queued(1, false), queued(2, false), started()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [registration]);
    const waits = new ScriptedWaits({ slots: ['lost', 'late'], exports: ['woken'] });

    const outcome = await runExecution(job, { start, check, register, waits });

    expect(outcome.error).toBeUndefined();
    expect(start.requests).toHaveLength(3);
    expect(start.payloads[1]?.slot).toMatchObject({ Error: 'States.Timeout' });
    expect(start.payloads[2]?.slot).toMatchObject({ Error: 'States.Timeout' });
    // The late release's SendTaskSuccess found the token timed out: a logged no-op.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(waits.staleWakes).toHaveLength(1);
    expect(kinds(outcome)).toEqual(['started', 'completed']);
  });

  it('keeps waiting after the queued-too-long alert', async () => {
    const start = new ScriptedFunction('start-export', [queued(4, true), started()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [registration]);

    const outcome = await runExecution(job, { start, check, register });

    expect(kinds(outcome)).toEqual(['queued-too-long', 'started', 'completed']);
  });
});
