import type { ExecutionState, StartResult } from '#shared/contract/execution.ts';
import { job } from '../start-export/job.ts';

export const ID = job().exportTaskIdentifier;

/** The state check-export receives right after start-export started the task. */
export function startedState(
  start: Partial<Extract<StartResult, { outcome: 'started' }>> = {},
): ExecutionState {
  return {
    ...job(),
    start: {
      outcome: 'started',
      task: { exportTaskIdentifier: ID, status: 'STARTING' },
      waitSeconds: 20,
      eventWaitSeconds: 900,
      checkedAt: '2024-05-01T08:00:00.000Z',
      endAnnounced: true,
      ...start,
    },
  };
}
