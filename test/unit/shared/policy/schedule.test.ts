import { describe, expect, it } from 'vitest';
import { PolicyError } from '#shared/contract/errors.ts';
import { parsePolicy } from '#shared/policy/load.ts';
import { scheduleExpressionProblem } from '#shared/policy/schedule.ts';

const errorOf = (schedules: string): string => {
  try {
    parsePolicy(
      `version: 1\nrules: [{ name: all, action: export }]\nschedules:\n${schedules}`,
      'export-policy.yml',
    );
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as Error).message;
  }
  throw new Error('expected the policy to be rejected');
};

describe('policy schedules', () => {
  it('parses a schedule with its defaults', () => {
    const policy = parsePolicy(
      'version: 1\nrules: [{ name: all, action: export }]\nschedules: [{ name: nightly, expression: "cron(0 3 * * ? *)", select: { kind: cluster, identifier: "orders-*" } }]',
      'p.yml',
    );
    expect(policy.schedules).toEqual([
      {
        name: 'nightly',
        expression: 'cron(0 3 * * ? *)',
        timezone: 'UTC',
        select: { kind: 'cluster', identifier: ['orders-*'] },
      },
    ]);
  });

  it.each([
    ['rate(1 day)', undefined],
    ['rate(12 hours)', undefined],
    ['cron(0 3 * * ? *)', undefined],
    ['cron(15 2 ? * MON-FRI *)', undefined],
    ['rate(1 days)', /singular unit/],
    ['rate(2 hour)', /plural unit/],
    ['cron(0 3 * * *)', /6 fields/],
    ['cron(0 3 * * * *)', /exactly one of day-of-month and day-of-week must be \?/],
    ['every day', /must be rate\(value unit\) or cron/],
  ])('checks the Scheduler expression %s', (expression, problem) => {
    const found = scheduleExpressionProblem(expression);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it.each([
    [
      '  - { name: a, expression: "rate(1 days)", select: { kind: cluster } }',
      'schedules[0].expression: rate(1 days) must use the singular unit',
    ],
    [
      '  - { name: a, expression: "rate(1 day)", timezone: Mars/Olympus, select: { kind: cluster } }',
      'schedules[0].timezone: must be an IANA time zone',
    ],
    [
      '  - { name: a, expression: "rate(1 day)", flexibleWindowMinutes: 2000, select: { kind: cluster } }',
      'schedules[0].flexibleWindowMinutes: must be at most 1440',
    ],
    [
      '  - { name: "a b", expression: "rate(1 day)", select: { kind: cluster } }',
      'schedules[0].name: must be 1-64 letters',
    ],
    [
      '  - { name: a, expression: "rate(1 day)", select: { kind: volume } }',
      'schedules[0].select.kind: must be "cluster"',
    ],
    ['  - { name: a, expression: "rate(1 day)" }', 'schedules[0].select: is required'],
    [
      '  - { name: a, expression: "rate(1 day)", select: { kind: cluster } }\n  - { name: a, expression: "rate(2 days)", select: { kind: cluster } }',
      'schedules[1].name: duplicate schedule name (also schedules[0])',
    ],
  ])('refuses an invalid schedule, naming the field: %s', (yaml, message) => {
    expect(errorOf(yaml)).toContain(message);
  });
});
