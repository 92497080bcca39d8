import { StateMachine } from 'aws-local-stepfunctions';
import { JsonFault, type JsonServer, startJsonServer } from '../protocol/json.ts';
import type { RequestLogger } from '../protocol/request-log.ts';
import { type LocalSfnOptions, loadDefinition } from './definition.ts';
import { historyPage, type Recorded, record, recordInterpreterEvent } from './history.ts';
import { stateMachineActions } from './machine.ts';

export type { LocalSfnOptions } from './definition.ts';

/** `history` and `stopped`: GetExecutionHistory and StopExecution (local/sfn/history.ts). */
export interface Execution extends Recorded {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Failed and retried states, as the interpreter reported them (for diagnosis). */
  events: unknown[];
  /** The state the execution is in (for progress display). */
  currentState?: string;
  /** States entered so far: the state transitions Step Functions would bill for. */
  transitions: number;
  done: Promise<void>;
  abort?: () => void;
}

export interface LocalSfn extends JsonServer {
  readonly executions: Map<string, Execution>;
}

const seconds = (d: Date | undefined) => (d ? d.getTime() / 1000 : undefined);

/** The history's last event: how the execution ended, as GetExecutionHistory reports it. */
function recordEnding(e: Execution): void {
  const details = {
    ...(e.error === undefined ? {} : { error: e.error }),
    ...(e.cause === undefined ? {} : { cause: e.cause }),
  };
  if (e.status === 'SUCCEEDED')
    record(e, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: e.output } });
  else if (e.status === 'FAILED') record(e, 'ExecutionFailed', { executionFailedEventDetails: details });
  else if (e.status === 'ABORTED') record(e, 'ExecutionAborted', { executionAbortedEventDetails: details });
  else if (e.status === 'TIMED_OUT')
    record(e, 'ExecutionTimedOut', { executionTimedOutEventDetails: details });
}

/**
 * Starts the local Step Functions endpoint (JSON 1.0) running the real ASL with the real handlers;
 * `roleArn` is the role DescribeStateMachine names.
 */
export async function startLocalSfn(
  options: LocalSfnOptions & { roleArn: string },
  log: RequestLogger,
): Promise<LocalSfn> {
  const { definition, handlers } = loadDefinition(options);
  const machine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
  const executions = new Map<string, Execution>();
  const arnPrefix = options.stateMachineArn.replace(':stateMachine:', ':execution:');
  const find = (arn: unknown) => {
    const found = [...executions.values()].find((e) => e.executionArn === arn);
    if (!found) throw new JsonFault('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return found;
  };
  const checkMachine = (arn: unknown) => {
    if (arn !== options.stateMachineArn)
      throw new JsonFault('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  };

  function start(name: string, input: string): Execution {
    const execution: Execution = {
      executionArn: `${arnPrefix}:${name}`,
      stateMachineArn: options.stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: new Date(),
      input,
      events: [],
      transitions: 0,
      history: [],
      done: Promise.resolve(),
    };
    record(execution, 'ExecutionStarted', { executionStartedEventDetails: { input } });
    const run = machine.run(JSON.parse(input), {
      noThrowOnAbort: true,
      overrides: { taskResourceLocalHandlers: handlers as never },
      context: {
        Execution: {
          Id: execution.executionArn,
          Name: name,
          Input: JSON.parse(input),
          StartTime: execution.startDate.toISOString(),
        },
        StateMachine: { Id: options.stateMachineArn, Name: options.stateMachineArn.split(':').pop() },
      } as never,
    });
    const follow = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type === 'StateEntered') {
          execution.currentState = event.state.name;
          execution.transitions++;
        }
        recordInterpreterEvent(execution, event as never);
        if (event.type === 'StateFailed' || event.type === 'StateRetried') execution.events.push(event);
        if (process.env.LOCAL_SFN_TRACE) console.error(JSON.stringify(event).slice(0, 2000));
      }
    })().catch(() => {});
    execution.done = run.result
      .then((output) => {
        // An aborted run (StopExecution) resolves too, without output.
        if (execution.stopped) Object.assign(execution, { status: 'ABORTED', ...execution.stopped });
        else Object.assign(execution, { status: 'SUCCEEDED', output: JSON.stringify(output) });
      })
      .catch((error: Error & { cause?: unknown }) => {
        if (execution.stopped)
          return void Object.assign(execution, { status: 'ABORTED', ...execution.stopped });
        const timedOut = error.name === 'ExecutionTimeoutError';
        // The interpreter wraps the state's error (e.g. a Fail state's Error/Cause) in ExecutionError.
        const inner = error.cause instanceof Error ? error.cause : error;
        Object.assign(execution, {
          status: timedOut ? 'TIMED_OUT' : 'FAILED',
          error: timedOut ? 'States.Timeout' : inner.name,
          cause: inner.message,
        });
      })
      .finally(() => {
        execution.stopDate = new Date();
        return follow.then(() => recordEnding(execution));
      });
    execution.abort = run.abort;
    executions.set(name, execution);
    return execution;
  }

  const server = await startJsonServer(
    'sfn',
    'AWSStepFunctions',
    '1.0',
    {
      ...stateMachineActions(options),
      StartExecution: (p) => {
        checkMachine(p.stateMachineArn);
        const name = String(p.name ?? crypto.randomUUID());
        const input = typeof p.input === 'string' ? p.input : '{}';
        const existing = executions.get(name);
        // StartExecution is idempotent for a running execution with the same name and input.
        if (existing && !(existing.status === 'RUNNING' && existing.input === input)) {
          throw new JsonFault(
            'ExecutionAlreadyExists',
            `Execution Already Exists: '${existing.executionArn}'`,
          );
        }
        const execution = existing ?? start(name, input);
        return { executionArn: execution.executionArn, startDate: seconds(execution.startDate) };
      },
      DescribeExecution: (p) => {
        const e = find(p.executionArn);
        return {
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          name: e.name,
          status: e.status,
          startDate: seconds(e.startDate),
          stopDate: seconds(e.stopDate),
          input: e.input,
          output: e.output,
          error: e.error,
          cause: e.cause,
        };
      },
      // Callback tasks (.waitForTaskToken): a token is used once; an unknown or used one is the
      // error Step Functions gives for a task that timed out or does not exist.
      SendTaskSuccess: (p) => {
        if (!options.tokens.succeed(String(p.taskToken), JSON.parse(String(p.output ?? '{}')))) {
          throw new JsonFault('TaskTimedOut', 'Task Timed Out: Provided task does not exist anymore');
        }
        return {};
      },
      SendTaskFailure: (p) => {
        if (
          !options.tokens.fail(
            String(p.taskToken),
            String(p.error ?? 'States.TaskFailed'),
            String(p.cause ?? ''),
          )
        ) {
          throw new JsonFault('TaskTimedOut', 'Task Timed Out: Provided task does not exist anymore');
        }
        return {};
      },
      SendTaskHeartbeat: () => ({}),
      GetExecutionHistory: (p) => historyPage(find(p.executionArn), p),
      StopExecution: (p) => {
        const e = find(p.executionArn);
        if (e.status === 'RUNNING') {
          e.stopped = {
            ...(typeof p.error === 'string' ? { error: p.error } : {}),
            ...(typeof p.cause === 'string' ? { cause: p.cause } : {}),
          };
          e.abort?.();
        }
        return { stopDate: seconds(e.stopDate ?? new Date()) };
      },
      ListExecutions: (p) => {
        checkMachine(p.stateMachineArn);
        const all = [...executions.values()]
          .filter((e) => !p.statusFilter || e.status === p.statusFilter)
          .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
        const size = Number(p.maxResults ?? 100) || 100;
        const offset = p.nextToken ? Number(p.nextToken) : 0;
        const items = all.slice(offset, offset + size).map((e) => ({
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          name: e.name,
          status: e.status,
          startDate: seconds(e.startDate),
          stopDate: seconds(e.stopDate),
        }));
        return {
          executions: items,
          nextToken: offset + size < all.length ? String(offset + size) : undefined,
        };
      },
    },
    log,
  );
  return {
    ...server,
    executions,
    close: async () => {
      for (const e of executions.values()) if (e.status === 'RUNNING') e.abort?.();
      await server.close();
    },
  };
}
