import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadDefinition } from './definition.ts';
import { checked, job, queued, registration, started } from './fixtures.ts';
import { kinds, runExecution, ScriptedFunction } from './harness.ts';

// These runs keep the ASL's real Wait durations and top-level TimeoutSeconds and drive the clock
// with fake timers, so the waits the functions ask for and the seven-day limit are what is tested.

const SECOND = 1000;
const HOUR = 3600 * SECOND;

describe('time in the export state machine', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits the seconds start-export asked for, then the seconds each check asked for', async () => {
    const start = new ScriptedFunction('start-export', [started(60)]);
    const check = new ScriptedFunction('check-export', [
      checked('IN_PROGRESS', 1, { percentProgress: 30 }, 900),
      checked('COMPLETE', 2),
    ]);
    const register = new ScriptedFunction('register-export', [registration]);

    const running = runExecution(job, { start, check, register }, { realWaits: true });

    await vi.advanceTimersByTimeAsync(59 * SECOND);
    expect(check.requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1 * SECOND);
    expect(check.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(899 * SECOND);
    expect(check.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1 * SECOND);
    expect(check.requests).toHaveLength(2);
    const outcome = await running;
    expect(outcome.error).toBeUndefined();
    expect(register.requests).toHaveLength(1);
  });

  it('waits the backoff start-export computed before asking for a free slot again', async () => {
    const start = new ScriptedFunction('start-export', [queued(1, false, false, 240), started(60)]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [registration]);

    const running = runExecution(job, { start, check, register }, { realWaits: true });

    await vi.advanceTimersByTimeAsync(239 * SECOND);
    expect(start.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1 * SECOND);
    expect(start.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(60 * SECOND);
    expect((await running).error).toBeUndefined();
  });

  it('times out an export that is still IN_PROGRESS when the top-level timeout elapses', async () => {
    const timeoutSeconds = loadDefinition().TimeoutSeconds ?? 0;
    const hourly = Array.from({ length: Math.ceil(timeoutSeconds / 3600) + 2 }, (_, i) =>
      checked('IN_PROGRESS', i + 1, { percentProgress: 1 }, 3600),
    );
    const start = new ScriptedFunction('start-export', [started(60)]);
    const check = new ScriptedFunction('check-export', hourly);

    const running = runExecution(job, { start, check }, { realWaits: true });
    await vi.advanceTimersByTimeAsync(timeoutSeconds * SECOND - 1);
    expect(check.requests.length).toBeGreaterThan(100);
    await vi.advanceTimersByTimeAsync(HOUR);
    const outcome = await running;

    expect(outcome.timedOut).toBe(true);
    expect(outcome.error).toBeUndefined();
    // One check 60 s after the start, then one per hour until the limit.
    expect(check.requests).toHaveLength(1 + Math.floor((timeoutSeconds - 60) / 3600));
    expect(kinds(outcome)).toEqual(['started']);
  });
});
