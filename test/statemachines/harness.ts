import {
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { callbackHandler, isCallbackTask, localCallbackState, TaskTokens } from '#local/sfn/callbacks.ts';
import { type ExportJob, NotifyInput } from '#shared/contract/execution.ts';
import {
  type AslDefinition,
  FUNCTION_ARNS,
  loadDefinition,
  statesOfType,
  tasksInvoking,
} from './definition.ts';

/**
 * Runs the real export state machine with aws-local-stepfunctions, with scripted stand-ins for the
 * Lambdas. A stand-in receives what the lambda:invoke integration would send (`{ FunctionName,
 * Payload }`) and answers what it would return (`{ Payload, StatusCode, ExecutedVersion }`), so the
 * ASL's own unwrapping of `Payload` is exercised too.
 */

/** A JSON value as aws-local-stepfunctions types it. */
type Json = Parameters<StateMachine['run']>[0];

export const EXECUTION_ARN =
  'arn:aws:states:us-east-1:123456789012:execution:rds-export-dev-export:orders-db-2024-05-01-06-10-7f3a9c';

/** One scripted answer: a function result, or an error thrown by the function. */
export type Step = unknown;

/**
 * The error a Lambda function raises, as the lambda:invoke integration reports it: the state
 * machine's Error is the function's error `name` (errorType); Cause is the Lambda error document.
 */
export function lambdaError(name: string, message: string): Error {
  return Object.assign(new Error(JSON.stringify({ errorType: name, errorMessage: message, trace: [] })), {
    name,
  });
}

export interface InvokeRequest {
  FunctionName: string;
  Payload: Record<string, unknown>;
}

/** A Lambda stand-in that answers a fixed script, one step per invocation, and records its inputs. */
export class ScriptedFunction {
  readonly requests: InvokeRequest[] = [];
  private readonly steps: Step[];

  constructor(
    readonly label: string,
    steps: Step[],
  ) {
    this.steps = [...steps];
  }

  get payloads(): Record<string, unknown>[] {
    return this.requests.map((request) => request.Payload);
  }

  readonly invoke = async (input: Json): Promise<Json> => {
    this.requests.push(structuredClone(input) as unknown as InvokeRequest);
    if (this.steps.length === 0) {
      throw lambdaError('ScriptExhausted', `${this.label} was invoked more often than the test scripted`);
    }
    const step = this.steps.shift();
    if (step instanceof Error) throw step;
    return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: structuredClone(step) as Json };
  };
}

/** What happens to one wait on a task token. */
export type WaitFate =
  /** the export-finished event (or a release) wakes it at once */
  | 'woken'
  /** the event is lost: the wait times out and checks on its own */
  | 'lost'
  /** the event comes twice: the second SendTaskSuccess finds the token used */
  | 'duplicate'
  /** the release comes after the wait timed out: its SendTaskSuccess finds no waiter */
  | 'late';

/**
 * A stand-in for the waits function: it answers the callback states (wait-export, wait-slot) by
 * settling their token, or not, as the script says, and records every call (release included).
 */
export class ScriptedWaits {
  readonly calls: Record<string, unknown>[] = [];
  /** SendTaskSuccess calls that found the token no longer waiting. */
  readonly staleWakes: string[] = [];
  readonly #exportFates: WaitFate[];
  readonly #slotFates: WaitFate[];

  constructor(
    script: { exports?: WaitFate | WaitFate[]; slots?: WaitFate | WaitFate[] } = {},
    private readonly fallback: WaitFate = 'woken',
  ) {
    this.#exportFates = Array.isArray(script.exports) ? [...script.exports] : [];
    this.#slotFates = Array.isArray(script.slots) ? [...script.slots] : [];
    if (typeof script.exports === 'string') this.exportFate = () => script.exports as WaitFate;
    if (typeof script.slots === 'string') this.slotFate = () => script.slots as WaitFate;
  }

  private exportFate = () => this.#exportFates.shift() ?? this.fallback;
  private slotFate = () => this.#slotFates.shift() ?? this.fallback;

  settle(tokens: TaskTokens, payload: Record<string, unknown>): void {
    this.calls.push(structuredClone(payload));
    const token = String(payload.taskToken);
    const fate = payload.action === 'wait-slot' ? this.slotFate() : this.exportFate();
    const output =
      payload.action === 'wait-slot' ? { granted: true, at: '2024-05-01T07:00:00.000Z' } : { woken: 'event' };
    if (fate === 'woken' || fate === 'duplicate') tokens.succeed(token, output);
    if (fate === 'duplicate' && !tokens.succeed(token, output)) this.staleWakes.push(token);
    if (fate === 'late') {
      // After the wait's own timeout (0 ms in these runs) has settled it.
      setTimeout(() => {
        if (!tokens.succeed(token, output)) this.staleWakes.push(token);
      }, 5);
    }
  }

  /** The calls of one action, in order. */
  ofAction(action: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.action === action);
  }
}

export interface Lambdas {
  start: ScriptedFunction;
  check?: ScriptedFunction;
  register?: ScriptedFunction;
  /** The waits function; by default every wait is woken at once (events delivered). */
  waits?: ScriptedWaits;
  /** Scripted failures of the notifier, keyed by notification kind. */
  notifyFailures?: Partial<Record<string, Error>>;
}

export interface Outcome {
  /** Execution output when it succeeded. */
  output?: unknown;
  /** The error the execution ended with (Fail state error name, or a task's error). */
  error?: { name: string; message: string };
  timedOut: boolean;
  /** Every notification the state machine sent, in order. */
  notifications: NotifyInput[];
  /** Kinds of the notifications whose input the notifier's schema (NotifyInput) rejects. */
  rejectedByNotifier: string[];
}

/** The kinds of the notifications an execution sent, in order. */
export function kinds(outcome: Outcome): string[] {
  return outcome.notifications.map((notification) => notification.kind);
}

export interface RunOptions {
  /** Keep the real Wait durations (for tests that drive time with fake timers); otherwise 0 ms. */
  realWaits?: boolean;
  /**
   * The test feeds an off-contract result on purpose, so notifications the notifier would reject
   * are expected; otherwise such a notification fails the run.
   */
  offContract?: boolean;
}

function overridesFor(definition: AslDefinition, lambdas: Lambdas, outcome: Outcome, options: RunOptions) {
  const notify = async (input: Json): Promise<Json> => {
    const { Payload } = input as unknown as InvokeRequest;
    const notification = Payload as unknown as NotifyInput;
    outcome.notifications.push(notification);
    // The notifier validates its input with this schema and fails as the real one would.
    const parsed = NotifyInput.safeParse(Payload);
    if (!parsed.success) {
      outcome.rejectedByNotifier.push(notification.kind);
      throw lambdaError('InvalidInputError', parsed.error.message);
    }
    const failure = lambdas.notifyFailures?.[notification.kind];
    if (failure) throw failure;
    return {
      ExecutedVersion: '$LATEST',
      StatusCode: 200,
      Payload: { slack: 'not-configured', snsMessageId: 'm-1' },
    };
  };
  const handlers: Record<string, (input: Json) => Promise<Json>> = {};
  for (const name of tasksInvoking(definition, FUNCTION_ARNS.NotifyFunctionArn)) handlers[name] = notify;
  const scripted: [string, ScriptedFunction | undefined][] = [
    [FUNCTION_ARNS.StartExportFunctionArn, lambdas.start],
    [FUNCTION_ARNS.CheckExportFunctionArn, lambdas.check],
    [FUNCTION_ARNS.RegisterExportFunctionArn, lambdas.register],
  ];
  for (const [arn, fn] of scripted) {
    const stand = fn ?? new ScriptedFunction(arn, []);
    for (const name of tasksInvoking(definition, arn)) handlers[name] = stand.invoke;
  }
  // Without events, a timing run's waits end by their timeouts: polling, as before events.
  const waits = lambdas.waits ?? new ScriptedWaits({}, options.realWaits ? 'lost' : 'woken');
  const tokens = new TaskTokens();
  const sleep = (seconds: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.realWaits ? seconds * 1000 : 0);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  for (const name of tasksInvoking(definition, FUNCTION_ARNS.WaitsFunctionArn)) {
    if (isCallbackTask(realDefinition.States[name] as Record<string, unknown>)) {
      handlers[name] = callbackHandler({
        tokens,
        sleep,
        invoke: async (payload) => waits.settle(tokens, payload),
      }) as (input: Json) => Promise<Json>;
    } else {
      handlers[name] = async (input: Json) => {
        waits.calls.push(structuredClone((input as unknown as InvokeRequest).Payload));
        return {
          ExecutedVersion: '$LATEST',
          StatusCode: 200,
          Payload: { action: 'released', activeExports: 4, woken: [] },
        };
      };
    }
  }
  return handlers;
}

const realDefinition = loadDefinition();
/** The real definition with its callback states as the local runtime runs them (local/sfn/callbacks.ts). */
const runnable: AslDefinition = {
  ...realDefinition,
  States: Object.fromEntries(
    Object.entries(realDefinition.States).map(([name, state]) => [
      name,
      isCallbackTask(state)
        ? (localCallbackState(
            state,
            'arn:aws:lambda:us-east-1:123456789012:function:local-callback',
          ) as typeof state)
        : state,
    ]),
  ),
};
// Building a StateMachine validates the definition, which dominates a run's cost; executions of one
// machine are independent, so the real one is built once.
const realMachine = new StateMachine(runnable as StateMachineDefinition);

/** Runs one execution of the real definition to its end. */
export async function runExecution(
  input: ExportJob,
  lambdas: Lambdas,
  options: RunOptions = {},
): Promise<Outcome> {
  const outcome: Outcome = { timedOut: false, notifications: [], rejectedByNotifier: [] };
  const waitTimeOverrides: Record<string, number> = {};
  if (!options.realWaits) {
    for (const name of statesOfType(realDefinition, 'Wait')) waitTimeOverrides[name] = 0;
  }
  const retryIntervalOverrides: Record<string, number> = {};
  for (const name of statesOfType(realDefinition, 'Task')) retryIntervalOverrides[name] = 0;

  // An ExportJob is plain JSON; the library's JSON type just cannot see that through optional fields.
  const execution = realMachine.run(input as Json, {
    overrides: {
      taskResourceLocalHandlers: overridesFor(realDefinition, lambdas, outcome, options),
      waitTimeOverrides,
      retryIntervalOverrides,
    },
    context: { Execution: { Id: EXECUTION_ARN, Name: EXECUTION_ARN.split(':').at(-1) } },
  });
  try {
    outcome.output = await execution.result;
  } catch (error) {
    if (error instanceof ExecutionError && error.cause instanceof Error) {
      outcome.error = { name: error.cause.name, message: error.cause.message };
    } else if (error instanceof ExecutionTimeoutError) {
      outcome.timedOut = true;
    } else {
      throw error;
    }
  }
  if (!options.offContract && outcome.rejectedByNotifier.length > 0) {
    throw new Error(
      `the notifier would reject these notifications: ${outcome.rejectedByNotifier.join(', ')}`,
    );
  }
  return outcome;
}
