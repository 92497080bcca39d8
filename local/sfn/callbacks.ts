import { randomBytes } from 'node:crypto';

/**
 * Callback tasks (`arn:aws:states:::lambda:invoke.waitForTaskToken`) for aws-local-stepfunctions,
 * which has no task tokens: a Task state of that kind runs as a local handler that issues a
 * token, puts it where the state's Parameters put `$$.Task.Token`, invokes the function, and then
 * waits until SendTaskSuccess / SendTaskFailure settles the token, or the state's
 * TimeoutSecondsPath elapses (the error `States.Timeout`, as Step Functions reports it). The
 * local stack's Step Functions endpoint and the state-machine tests both use this.
 */

type Json = Record<string, unknown>;

const CALLBACK = '.waitForTaskToken';
/** Where the transformed Parameters carry the state's timeout to the local handler. */
const TIMEOUT_KEY = 'localTimeoutSeconds';

/** An error as a Task state reports it: its name is what Retry and Catch match. */
export function stateError(name: string, cause: string): Error {
  return Object.assign(new Error(cause), { name });
}

/** The tokens of the callback tasks now waiting, and how each ends. */
export class TaskTokens {
  readonly #waiting = new Map<string, { resolve: (output: unknown) => void; reject: (e: Error) => void }>();
  /** Every token issued, in order (for tests and benchmarks). */
  issued = 0;
  /** How the waits of each kind (the payload's `action`) ended: woken by SendTask*, or timed out. */
  readonly ended = new Map<string, { woken: number; timedOut: number }>();

  /** Counts how a wait of this kind ended (for benchmarks). */
  count(kind: string, how: 'woken' | 'timedOut'): void {
    const counts = this.ended.get(kind) ?? { woken: 0, timedOut: 0 };
    counts[how]++;
    this.ended.set(kind, counts);
  }

  /** A new token, and the promise its SendTask* call settles. */
  issue(): { token: string; done: Promise<unknown> } {
    const token = `local-${randomBytes(24).toString('base64url')}`;
    this.issued++;
    const done = new Promise<unknown>((resolve, reject) => this.#waiting.set(token, { resolve, reject }));
    return { token, done };
  }

  /** SendTaskSuccess: false when the token waits no more (used, timed out, or unknown). */
  succeed(token: string, output: unknown): boolean {
    const waiter = this.#waiting.get(token);
    if (!waiter) return false;
    this.#waiting.delete(token);
    waiter.resolve(output);
    return true;
  }

  /** SendTaskFailure: the state fails with `error`. */
  fail(token: string, error: string, cause: string): boolean {
    const waiter = this.#waiting.get(token);
    if (!waiter) return false;
    this.#waiting.delete(token);
    waiter.reject(stateError(error, cause));
    return true;
  }

  /** The state's timeout: the token waits no more. */
  expire(token: string): void {
    this.#waiting.delete(token);
  }

  get waiting(): number {
    return this.#waiting.size;
  }
}

export function isCallbackTask(state: Json): boolean {
  return state.Type === 'Task' && typeof state.Resource === 'string' && state.Resource.endsWith(CALLBACK);
}

/**
 * The state as aws-local-stepfunctions can run it: the token parameter becomes a value the handler
 * fills in, and the timeout travels in the Parameters (the handler keeps it in simulated time).
 */
export function localCallbackState(state: Json, resource: string): Json {
  const { TimeoutSecondsPath, TimeoutSeconds, HeartbeatSeconds: _heartbeat, ...rest } = state;
  const parameters = structuredClone((state.Parameters ?? {}) as Json);
  const payload = (parameters.Payload ?? {}) as Json;
  for (const [key, value] of Object.entries(payload)) {
    if (value === '$$.Task.Token' && key.endsWith('.$')) {
      delete payload[key];
      payload[key.slice(0, -2)] = 'issued locally';
    }
  }
  if (typeof TimeoutSecondsPath === 'string') parameters[`${TIMEOUT_KEY}.$`] = TimeoutSecondsPath;
  else if (typeof TimeoutSeconds === 'number') parameters[TIMEOUT_KEY] = TimeoutSeconds;
  // Below 2^31 ms, the largest timer Node accepts: the handler's own timeout ends the wait first.
  return { ...rest, Resource: resource, Parameters: parameters, TimeoutSeconds: 2_000_000 };
}

export interface CallbackRuntime {
  tokens: TaskTokens;
  /** Invokes the state's function with the payload (the token in it). */
  invoke: (payload: Json) => Promise<unknown>;
  /** Waits simulated seconds, or until the signal aborts. */
  sleep: (seconds: number, signal: AbortSignal) => Promise<void>;
}

/** The local handler of a callback state transformed by localCallbackState. */
export function callbackHandler(runtime: CallbackRuntime) {
  return async (input: unknown): Promise<unknown> => {
    const { [TIMEOUT_KEY]: timeout, Payload, ...rest } = input as Json;
    const payload = structuredClone((Payload ?? {}) as Json);
    const { token, done } = runtime.tokens.issue();
    for (const [key, value] of Object.entries(payload)) if (value === 'issued locally') payload[key] = token;
    void rest;
    await runtime.invoke(payload).catch((error: unknown) => {
      runtime.tokens.expire(token);
      throw error;
    });
    const stop = new AbortController();
    const kind = typeof payload.action === 'string' ? payload.action : 'callback';
    const timedOut =
      typeof timeout === 'number'
        ? runtime.sleep(timeout, stop.signal).then(() => {
            if (stop.signal.aborted) return;
            runtime.tokens.expire(token);
            runtime.tokens.count(kind, 'timedOut');
            throw stateError('States.Timeout', `no SendTaskSuccess within ${timeout} s`);
          })
        : new Promise<never>(() => {});
    try {
      const output = await Promise.race([done, timedOut]);
      runtime.tokens.count(kind, 'woken');
      return output;
    } catch (error) {
      // A SendTaskFailure ends the wait too.
      if (!(error instanceof Error && error.name === 'States.Timeout')) runtime.tokens.count(kind, 'woken');
      throw error;
    } finally {
      stop.abort();
    }
  };
}
