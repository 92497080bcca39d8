import { createRequire } from 'node:module';
import { parse } from 'yaml';
import type { SimulatedClock } from '../runtime/clock.ts';
import { invokeLocal, type LambdaHandler } from '../runtime/lambda-context.ts';
import { callbackHandler, isCallbackTask, localCallbackState, type TaskTokens } from './callbacks.ts';

type Json = Record<string, unknown>;

// The deployment's own strict substitution (a placeholder without a value, or a value the file
// never uses, throws), so the local stack cannot run a definition `serverless package` would refuse.
const { substitute, functionSubstitutions } = createRequire(import.meta.url)(
  '../../scripts/asl-definition.cjs',
) as {
  substitute: (definition: unknown, substitutions: Record<string, unknown>) => unknown;
  functionSubstitutions: <T>(valueFor: (name: string) => T) => Record<string, T>;
};
type StateDefinition = Json & { Type: string; Parameters?: Json; Retry?: Json[] };

export interface LocalSfnOptions {
  /** The ASL file's text with its `${...}FunctionArn` placeholders. */
  definitionText: string;
  /** Placeholder name (e.g. `StartExportFunctionArn`) → the real handler (may be filled after start). */
  functions: Record<string, LambdaHandler>;
  stateMachineArn: string;
  clock: SimulatedClock;
  region: string;
  account: string;
  /** The task tokens of callback states (SendTaskSuccess / SendTaskFailure settle them). */
  tokens: TaskTokens;
}

/**
 * The definition a deployed machine has: the ASL file with its placeholders replaced by the
 * functions' (local) Lambda ARNs, with the real Waits and timeouts; `arns` by placeholder name.
 */
export function deployedDefinition(options: Pick<LocalSfnOptions, 'definitionText' | 'region' | 'account'>) {
  const arns = functionSubstitutions(
    (name) => `arn:aws:lambda:${options.region}:${options.account}:function:local-${name}`,
  );
  return { arns, definition: substitute(parse(options.definitionText), arns) };
}

const WAIT_RESOURCE = 'arn:aws:lambda:us-east-1:123456789012:function:local-scaled-wait';

/**
 * Loads the real definition for local execution: placeholders become Lambda ARNs, and durations are
 * scaled to the simulated clock. aws-local-stepfunctions can only override a Wait with a fixed
 * duration, and these waits are dynamic (SecondsPath), so each Wait becomes a local Task that sleeps
 * the simulated seconds; Retry intervals and the machine timeout are divided by the time scale.
 */
export function loadDefinition(options: LocalSfnOptions) {
  const { arns, definition: substituted } = deployedDefinition(options);
  const definition = substituted as Json & {
    States: Record<string, StateDefinition>;
    TimeoutSeconds?: number;
  };
  const scale = options.clock.scale;
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  // Handlers are looked up at call time: the stack loads them once the endpoints' env is set.
  const byArn = new Map(Object.entries(arns).map(([name, arn]) => [arn, name]));
  if (definition.TimeoutSeconds)
    definition.TimeoutSeconds = Math.max(1, Math.ceil(definition.TimeoutSeconds / scale));
  for (const [name, state] of Object.entries(definition.States)) {
    for (const retrier of state.Retry ?? []) {
      if (typeof retrier.IntervalSeconds === 'number') retrier.IntervalSeconds /= scale;
      if (typeof retrier.MaxDelaySeconds === 'number') retrier.MaxDelaySeconds /= scale;
    }
    if (state.Type === 'Wait') {
      const { Seconds, SecondsPath, Type: _type, ...rest } = state;
      definition.States[name] = {
        ...rest,
        Type: 'Task',
        Resource: WAIT_RESOURCE,
        // Below 2^31 ms, the largest timer Node accepts.
        TimeoutSeconds: 2_000_000,
      };
      handlers[name] = async (input) => {
        const seconds = typeof Seconds === 'number' ? Seconds : readPath(input, String(SecondsPath));
        await options.clock.sleep(seconds);
        return input;
      };
    } else if (state.Type === 'Task') {
      const target = byArn.get(String(state.Parameters?.FunctionName ?? ''));
      if (!target) continue;
      const invoke = async (payload: unknown) => {
        const fn = options.functions[target];
        if (!fn) throw new Error(`no local handler for ${target}`);
        return invokeLocal(fn, target, payload, options.region, options.account);
      };
      if (isCallbackTask(state)) {
        definition.States[name] = localCallbackState(
          state,
          `arn:aws:lambda:${options.region}:${options.account}:function:local-callback-${name.replace(/\W+/g, '-')}`,
        ) as StateDefinition;
        handlers[name] = callbackHandler({ tokens: options.tokens, invoke, sleep: options.clock.sleep });
        continue;
      }
      handlers[name] = async (input) => {
        const fn = options.functions[target];
        if (!fn) throw new Error(`no local handler for ${target}`);
        const payload = await invokeLocal(
          fn,
          target,
          (input as Json).Payload,
          options.region,
          options.account,
        );
        return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 };
      };
    }
  }
  return { definition, handlers };
}

function readPath(input: unknown, path: string): number {
  let value: unknown = input;
  for (const key of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean))
    value = (value as Json | undefined)?.[key];
  if (typeof value !== 'number') throw new Error(`Wait SecondsPath ${path} is not a number`);
  return value;
}
