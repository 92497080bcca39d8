import { JsonFault } from '../protocol/json.ts';

/**
 * Execution histories for the local Step Functions endpoint, in the shape GetExecutionHistory
 * returns (API reference, HistoryEvent): `ExecutionStarted`, one `<Type>StateEntered` per state
 * entered with its input, and how the execution ended. What `rds-export status | list` read.
 */

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** Epoch seconds, as the JSON protocol carries timestamps. */
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

/** What an execution keeps for its history, and how StopExecution ended it. */
export interface Recorded {
  history: HistoryEvent[];
  stopped?: { error?: string; cause?: string };
}

/** Appends one event to the execution's history. */
export function record(
  execution: Recorded,
  type: string,
  details: Record<string, unknown> = {},
  at = Date.now(),
): void {
  const id = execution.history.length + 1;
  execution.history.push({ id, previousEventId: id - 1, timestamp: at / 1000, type, ...details });
}

interface InterpreterEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string; input: unknown };
}

/** A StateEntered event of aws-local-stepfunctions as Step Functions records it. */
export function recordInterpreterEvent(execution: Recorded, event: InterpreterEvent): void {
  if (event.type !== 'StateEntered' || event.state === undefined) return;
  record(
    execution,
    `${event.state.type}StateEntered`,
    { stateEnteredEventDetails: { name: event.state.name, input: JSON.stringify(event.state.input) } },
    event.timestamp,
  );
}

/** GetExecutionHistory: pages of `maxResults` (default 100, at most 1,000), oldest or newest first. */
export function historyPage(execution: Recorded, p: Record<string, unknown>) {
  const size = Number(p.maxResults ?? 0) || 100;
  if (!Number.isInteger(size) || size < 0 || size > 1000) {
    throw new JsonFault('ValidationException', 'maxResults must be between 0 and 1000');
  }
  const events = p.reverseOrder === true ? [...execution.history].reverse() : execution.history;
  const offset = typeof p.nextToken === 'string' ? Number(p.nextToken) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw new JsonFault('InvalidToken', 'Invalid Token');
  const page = events.slice(offset, offset + size);
  const withData =
    p.includeExecutionData === false
      ? page.map(({ stateEnteredEventDetails, ...rest }) => ({
          ...rest,
          ...(stateEnteredEventDetails === undefined
            ? {}
            : { stateEnteredEventDetails: { name: (stateEnteredEventDetails as { name: string }).name } }),
        }))
      : page;
  return { events: withData, nextToken: offset + size < events.length ? String(offset + size) : undefined };
}
