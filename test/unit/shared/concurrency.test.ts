import { describe, expect, it } from 'vitest';
import { backoffDelay, mapLimit, withRetry } from '#shared/concurrency.ts';

describe('mapLimit', () => {
  it('never runs more than the limit at once and keeps results in input order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(3);
  });
});

describe('withRetry', () => {
  const opts = { attempts: 3, baseDelayMs: 10, maxDelayMs: 100, sleep: async () => {} };

  it('gives up after the last attempt and rethrows the error', async () => {
    let calls = 0;
    const err = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    await expect(
      withRetry(async () => {
        calls++;
        throw err;
      }, opts),
    ).rejects.toBe(err);
    expect(calls).toBe(3);
  });

  it('rethrows a non-retryable error at once', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw Object.assign(new Error('no'), {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 400 },
        });
      }, opts),
    ).rejects.toThrow('no');
    expect(calls).toBe(1);
  });

  it.each([
    ['glue', Object.assign(new Error('conflict'), { name: 'ConcurrentModificationException' })],
    ['glue', Object.assign(new Error('busy'), { name: 'X', $metadata: { httpStatusCode: 503 } })],
    ['s3', Object.assign(new Error('reduce your request rate'), { name: 'SlowDown' })],
  ] as const)('retries what the %s fault table calls transient: %s', async (service, error) => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw error;
        return 'ok';
      },
      { ...opts, service },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });
});

describe('backoff', () => {
  it('grows exponentially up to the cap, scaled by jitter', () => {
    const o = { attempts: 9, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, o))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(3, { ...o, random: () => 0 })).toBe(0);
  });
});
