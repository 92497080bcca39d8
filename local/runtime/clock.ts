/**
 * Simulated time for the local stack. AWS exports take minutes to hours; the local stack runs them
 * `scale` times faster. Everything that reads the clock in this process (the local endpoints and the
 * real handlers' `Date.now()` / `new Date()`) sees simulated time, so durations the handlers compute
 * (poll waits estimated from PercentProgress, queue ages) are in simulated seconds, exactly as they
 * would be on AWS; sleeps convert simulated seconds back to real milliseconds.
 */

import { AsyncLocalStorage } from 'node:async_hooks';

const RealDate = Date;
/**
 * What `Date` reads where it does not read simulated time: the real clock inside `atRealTime`, one
 * instant inside `atInstant` (and simulated time again inside a nested `atSimulatedTime`).
 */
const dateScope = new AsyncLocalStorage<(() => number) | undefined>();

export interface SimulatedClock {
  readonly scale: number;
  /** Simulated milliseconds since the epoch. */
  now(): number;
  /** Real milliseconds a simulated duration takes. */
  realMs(simulatedSeconds: number): number;
  /** Waits `simulatedSeconds` of simulated time, or until `signal` aborts. */
  sleep(simulatedSeconds: number, signal?: AbortSignal): Promise<void>;
}

let installed: SimulatedClock | undefined;

function createClock(scale: number): SimulatedClock {
  const realStart = RealDate.now();
  return {
    scale,
    now: () => realStart + (RealDate.now() - realStart) * scale,
    realMs: (seconds) => (seconds * 1000) / scale,
    sleep: (seconds, signal) =>
      new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const timer = setTimeout(resolve, (seconds * 1000) / scale);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/**
 * Makes the process's `Date` run at `scale` × real time (once per process; a second call with the
 * same scale returns the installed clock, with another scale it throws).
 */
export function installSimulatedClock(scale: number): SimulatedClock {
  if (!(scale > 0)) throw new Error(`time scale must be a positive number, got ${scale}`);
  if (installed) {
    if (installed.scale !== scale)
      throw new Error(`a clock with scale ${installed.scale} is already installed`);
    return installed;
  }
  const clock = createClock(scale);
  if (scale !== 1) {
    const now = () => (dateScope.getStore() ?? clock.now)();
    class ScaledDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(now());
        else super(...(args as [string | number | Date]));
      }
      static override now(): number {
        return now();
      }
    }
    // Printed dates should still say Date, not ScaledDate.
    Object.defineProperty(ScaledDate, 'name', { value: 'Date' });
    globalThis.Date = ScaledDate as DateConstructor;
  }
  installed = clock;
  return clock;
}

/** Real milliseconds since the epoch, whichever clock `Date` runs on: the clock of a client outside this process. */
export function realNow(): number {
  return RealDate.now();
}

/**
 * Runs `fn` with `Date` reading real time, in `fn` and what it starts asynchronously only: for a
 * check that must hold against the clock of a client outside this process.
 */
export function atRealTime<T>(fn: () => T): T {
  return dateScope.run(() => RealDate.now(), fn);
}

/** Runs `fn` with `Date` reading simulated time again (inside `atRealTime` or `atInstant`). */
export function atSimulatedTime<T>(fn: () => T): T {
  return dateScope.run(undefined, fn);
}

/** Runs `fn` with `Date` reading the instant `ms` (epoch milliseconds), in `fn` and what it starts asynchronously. */
export function atInstant<T>(ms: number, fn: () => T): T {
  return dateScope.run(() => ms, fn);
}

/** The time scale of the installed simulated clock (1 when none is). */
export function installedScale(): number {
  return installed?.scale ?? 1;
}
