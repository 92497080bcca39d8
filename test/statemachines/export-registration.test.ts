import { describe, expect, it } from 'vitest';
import { RegisterState } from '#functions/register-export/input.ts';
import { checked, job, registration, started } from './fixtures.ts';
import { kinds, runExecution, ScriptedFunction } from './harness.ts';

// Runs the real statemachines/export.asl.yml in aws-local-stepfunctions (see harness.ts): the loop
// that calls register-export again while it returns a cursor.

const partial = (after: string, invocation: number) => ({
  ...registration,
  cursor: { after, invocation },
});

describe('a registration longer than one invocation', () => {
  it('calls register-export again with the cursor it returned until it returns none', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [
      partial('orders.public.customers', 1),
      partial('orders.public.line_items', 2),
      registration,
    ]);

    const outcome = await runExecution(job, { start, check, register });

    expect(outcome.error).toBeUndefined();
    expect(register.requests).toHaveLength(3);
    // Each invocation reads the cursor the previous one returned, as register-export parses it.
    expect(register.payloads.map((p) => RegisterState.parse(p).registration?.cursor)).toEqual([
      undefined,
      { after: 'orders.public.customers', invocation: 1 },
      { after: 'orders.public.line_items', invocation: 2 },
    ]);
    expect(kinds(outcome)).toEqual(['started', 'completed']);
    expect(outcome.notifications[1]?.state.registration).toEqual(registration);
    expect(outcome.output).toMatchObject({ registration });
  });

  it('stops after 100 invocations, reports the export completed and fails as TablesNotRegistered', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction(
      'register-export',
      Array.from({ length: 100 }, (_, i) => partial(`orders.public.t${i}`, i + 1)),
    );

    const outcome = await runExecution(job, { start, check, register });

    expect(register.requests).toHaveLength(100);
    expect(kinds(outcome)).toEqual(['started', 'completed']);
    expect(outcome.notifications[1]?.state.error).toMatchObject({ Error: 'RegistrationUnfinished' });
    expect(outcome.error?.name).toBe('TablesNotRegistered');
  });
});
