import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { FATAL_ERROR_NAMES, RETRYABLE_ERROR_NAMES } from '#shared/contract/errors.ts';
import { EXPORT_TASK_STATUSES, NOTIFICATION_KINDS } from '#shared/contract/execution.ts';
import {
  type AslDefinition,
  FUNCTION_ARNS,
  loadDefinition,
  placeholdersIn,
  readAslText,
  statesOfType,
  tasksInvoking,
} from './definition.ts';

// Transient failures of the Lambda service itself, as the lambda:invoke integration names them
// (Step Functions guide, "Handling Lambda service exceptions").
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

const definition = loadDefinition();
const states = Object.entries(definition.States);

function validate(candidate: AslDefinition) {
  // asl-validator writes default fields into what it validates: give it a copy.
  return aslValidator(structuredClone(candidate), { checkPaths: true, checkArn: true });
}

function successors(state: AslDefinition['States'][string]): string[] {
  const next = [state.Next, state.Default, ...(state.Catch ?? []).map((c) => c.Next)];
  for (const choice of state.Choices ?? []) next.push(choice.Next as string | undefined);
  return next.filter((name): name is string => name !== undefined);
}

describe('statemachines/export.asl.yml', () => {
  it('is a valid Amazon States Language definition once its placeholders are substituted', () => {
    const result = validate(definition);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('would be rejected by the validator if a transition pointed at a missing state', () => {
    const broken = structuredClone(definition);
    const start = broken.States['Start export'];
    if (start) start.Next = 'Keep the start result';
    expect(validate(broken).isValid).toBe(false);
  });

  it('uses exactly the five function ARN placeholders the deployment substitutes', () => {
    expect(placeholdersIn(readAslText()).sort()).toEqual(Object.keys(FUNCTION_ARNS).sort());
  });

  it('leaves no placeholder behind after substitution', () => {
    expect(JSON.stringify(definition)).not.toContain('${');
  });

  it('reaches every state from StartAt', () => {
    const seen = new Set<string>();
    const pending = [definition.StartAt];
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (seen.has(name)) continue;
      seen.add(name);
      const state = definition.States[name];
      if (state) pending.push(...successors(state));
    }
    expect([...seen].sort()).toEqual(Object.keys(definition.States).sort());
  });

  it('has a top-level timeout between one day and the one-year limit of standard workflows', () => {
    expect(definition.TimeoutSeconds).toBeGreaterThanOrEqual(24 * 3600);
    expect(definition.TimeoutSeconds).toBeLessThanOrEqual(365 * 24 * 3600);
  });

  it('names its states as phrases and ends every Choice state with a question mark', () => {
    for (const [name, state] of states) {
      expect(name, name).toMatch(/^[A-Z][a-z]+( [a-z]+)+\??$/);
      expect(name.endsWith('?'), name).toBe(state.Type === 'Choice');
    }
  });

  it('invokes every Lambda through the lambda:invoke integration with the whole state as payload', () => {
    for (const name of statesOfType(definition, 'Task')) {
      const state = definition.States[name];
      const callback = state?.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken';
      expect(callback || state?.Resource === 'arn:aws:states:::lambda:invoke', name).toBe(true);
      expect(Object.values(FUNCTION_ARNS), name).toContain(state?.Parameters?.FunctionName);
    }
    for (const arn of [FUNCTION_ARNS.StartExportFunctionArn, FUNCTION_ARNS.CheckExportFunctionArn]) {
      for (const name of tasksInvoking(definition, arn)) {
        expect(definition.States[name]?.Parameters?.['Payload.$'], name).toBe('$');
      }
    }
  });

  it('waits on a task token only through the waits function, never without a timeout that checks anyway', () => {
    const callbacks = statesOfType(definition, 'Task').filter(
      (name) => definition.States[name]?.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    );
    expect(callbacks.sort()).toEqual([
      'Wait for a free export slot',
      'Wait for the export to end',
      'Wait for the export to end again',
    ]);
    for (const name of callbacks) {
      const state = definition.States[name];
      expect(state?.Parameters?.FunctionName, name).toBe(FUNCTION_ARNS.WaitsFunctionArn);
      const payload = (state?.Parameters?.Payload ?? {}) as Record<string, unknown>;
      expect(payload['taskToken.$'], name).toBe('$$.Task.Token');
      // A slot waits start-export's queue timeout; an export waits for its event until it should
      // have ended at the latest (eventWaitSeconds), then checks.
      expect(state?.TimeoutSecondsPath, name).toMatch(
        name === 'Wait for a free export slot'
          ? /^\$\.start\.waitSeconds$/
          : /^\$\.(start|check)\.eventWaitSeconds$/,
      );
      // A timeout, or any failure to park the token, leads to a check: nothing waits forever.
      const catchers = state?.Catch ?? [];
      expect(catchers.at(-1)?.ErrorEquals, name).toEqual(['States.ALL']);
      for (const c of catchers)
        expect([
          'Start export',
          'Check export',
          'Wait before checking export',
          'Wait before checking export again',
        ]).toContain(c.Next);
    }
  });

  it('sends the notifier only kinds it knows, each with the execution id and the whole state', () => {
    const kinds = tasksInvoking(definition, FUNCTION_ARNS.NotifyFunctionArn).map((name) => {
      const payload = definition.States[name]?.Parameters?.Payload as Record<string, unknown>;
      expect(payload['executionId.$'], name).toBe('$$.Execution.Id');
      expect(payload['state.$'], name).toBe('$');
      expect(definition.States[name]?.ResultPath, name).toBeNull();
      return payload.kind;
    });
    // `skipped` is on-snapshot's (a policy decision, before any execution exists).
    expect(kinds.sort()).toEqual(NOTIFICATION_KINDS.filter((kind) => kind !== 'skipped').sort());
  });

  it('branches explicitly on every export status and on UNKNOWN, defaulting to the unknown-status alert', () => {
    const choice = definition.States['Export finished?'];
    const branched = (choice?.Choices ?? []).map((rule) => rule.StringEquals);
    expect(branched.sort()).toEqual([...EXPORT_TASK_STATUSES, 'UNKNOWN'].sort());
    expect(choice?.Default).toBe('Notify unknown status');
  });

  it('waits for the export-finished event or polls as $.start.endAnnounced says, never by the source kind', () => {
    const rules = (present: boolean) => [
      { Variable: '$.start.endAnnounced', IsPresent: true },
      { Variable: '$.start.endAnnounced', BooleanEquals: present },
    ];
    for (const [name, event, poll] of [
      ['Export end announced?', 'Wait for the export to end', 'Wait before checking export'],
      [
        'Export end announced again?',
        'Wait for the export to end again',
        'Wait before checking export again',
      ],
    ] as const) {
      const choice = definition.States[name];
      expect(choice?.Choices, name).toEqual([
        { And: rules(true), Next: event },
        { And: rules(false), Next: poll },
      ]);
      // A $.start without the field polls: check-export reads every kind's task.
      expect(choice?.Default, name).toBe(poll);
      expect(definition.States[poll]?.Type, name).toBe('Wait');
    }
    // No Choice state reads the kind: a new kind declares its answer, the ASL stays as it is.
    for (const name of statesOfType(definition, 'Choice')) {
      expect(JSON.stringify(definition.States[name]?.Choices), name).not.toContain('$.source.kind');
    }
  });

  it('sends the Default of every other Choice state towards a failure', () => {
    // The end-announced choices default to polling instead, which is safe for every export.
    const polling = ['Export end announced?', 'Export end announced again?'];
    for (const name of statesOfType(definition, 'Choice').filter((n) => !polling.includes(n))) {
      let target = definition.States[name]?.Default;
      // Follow the alert that precedes the Fail state, and a Choice's own Default after it.
      for (
        let hops = 0;
        target !== undefined && definition.States[target]?.Type !== 'Fail' && hops < 3;
        hops++
      ) {
        const state = definition.States[target];
        target = state?.Type === 'Choice' ? state.Default : state?.Next;
      }
      expect(target && definition.States[target]?.Type, name).toBe('Fail');
    }
  });
});

describe('the error-name contract between the functions and the ASL', () => {
  const retriers = states.flatMap(([name, state]) =>
    (state.Retry ?? []).filter((r) => r.MaxAttempts !== 0).map((retrier) => ({ name, retrier })),
  );
  const allowed = new Set<string>([...RETRYABLE_ERROR_NAMES, ...LAMBDA_TRANSIENT_ERRORS, 'States.ALL']);
  const IDEMPOTENT_TASKS = ['Start export', 'Check export', 'Register tables', 'Release export slots'];

  it('retries only retryable pipeline errors, transient Lambda service errors and, last, States.ALL', () => {
    expect(retriers.length).toBeGreaterThan(0);
    for (const { name, retrier } of retriers) {
      for (const error of retrier.ErrorEquals)
        expect(allowed.has(error), `${name} retries ${error}`).toBe(true);
    }
  });

  it('retries States.ALL only in the idempotent tasks, last, after refusing every fatal name', () => {
    for (const [name, state] of states) {
      const list = state.Retry ?? [];
      const all = list.findIndex((r) => r.ErrorEquals.includes('States.ALL'));
      if (all === -1) continue;
      expect(IDEMPOTENT_TASKS, name).toContain(name);
      expect(all, name).toBe(list.length - 1);
      const refused = list.filter((r) => r.MaxAttempts === 0).flatMap((r) => r.ErrorEquals);
      expect(new Set(refused), name).toEqual(new Set(FATAL_ERROR_NAMES));
      expect(
        list.findIndex((r) => r.MaxAttempts === 0),
        name,
      ).toBe(0);
    }
  });

  it('never retries States.TaskFailed, which would retry fatal errors too', () => {
    const retried = retriers.flatMap(({ retrier }) => retrier.ErrorEquals);
    expect(retried).not.toContain('States.TaskFailed');
  });

  it.each(IDEMPOTENT_TASKS)('retries every retryable error name and any other failure in %s', (name) => {
    const retried = retriers.filter((r) => r.name === name).flatMap(({ retrier }) => retrier.ErrorEquals);
    for (const error of [...RETRYABLE_ERROR_NAMES, 'States.ALL']) expect(retried).toContain(error);
  });

  it('retries every retryable name and the transient Lambda errors in every notification', () => {
    for (const name of tasksInvoking(definition, FUNCTION_ARNS.NotifyFunctionArn)) {
      const retried = retriers.filter((r) => r.name === name).flatMap(({ retrier }) => retrier.ErrorEquals);
      for (const error of [...RETRYABLE_ERROR_NAMES, ...LAMBDA_TRANSIENT_ERRORS])
        expect(retried, name).toContain(error);
      expect(retried, name).not.toContain('States.ALL');
    }
  });

  it('backs off with full jitter and a bounded delay on every retrier', () => {
    for (const { name, retrier } of retriers) {
      expect(retrier.JitterStrategy, name).toBe('FULL');
      expect(retrier.BackoffRate, name).toBeGreaterThan(1);
      expect(retrier.MaxDelaySeconds, name).toBeGreaterThan(0);
    }
  });

  it('catches everything that is not retried on the tasks that start, check and register', () => {
    for (const name of ['Start export', 'Check export', 'Register tables']) {
      const catchers = definition.States[name]?.Catch ?? [];
      expect(
        catchers.flatMap((c) => c.ErrorEquals),
        name,
      ).toEqual(['States.ALL']);
      expect(catchers[0]?.ResultPath, name).toBe('$.error');
    }
  });
});
