import { describe, expect, it } from 'vitest';
import { PolicyError } from '#shared/contract/errors.ts';
import { parsePolicy } from '#shared/policy/load.ts';
import { scheduleAccountId, scheduleExpressionProblem } from '#shared/policy/schedule.ts';

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

  describe('accounts and regions', () => {
    const withAccounts = (select: string) =>
      `version: 1\nrules: [{ name: all, action: export }]\naccounts: { "111122223333": finance-prod }\nschedules:\n  - { name: a, expression: "rate(1 day)", select: ${select} }\n`;
    const errorIn = (select: string): string => {
      try {
        parsePolicy(withAccounts(select), 'export-policy.yml');
      } catch (error) {
        expect(error).toBeInstanceOf(PolicyError);
        return (error as Error).message;
      }
      throw new Error('expected the policy to be rejected');
    };

    it('takes account IDs, names from accounts: and Region names, a single one as a list', () => {
      const policy = parsePolicy(
        withAccounts('{ kind: cluster, accounts: ["123456789012", Finance-Prod], regions: eu-west-1 }'),
        'p.yml',
      );
      expect(policy.schedules[0]?.select).toEqual({
        kind: 'cluster',
        accounts: ['123456789012', 'Finance-Prod'],
        regions: ['eu-west-1'],
      });
      expect(scheduleAccountId('Finance-Prod', policy.accounts)).toBe('111122223333');
      expect(scheduleAccountId('123456789012', policy.accounts)).toBe('123456789012');
    });

    it.each([
      [
        '{ kind: cluster, accounts: ["1111*"] }',
        'schedules[0].select.accounts[0]: must be a 12-digit account ID or an account name from accounts: (no globs',
      ],
      [
        '{ kind: cluster, accounts: [finance-dev] }',
        'schedules[0].select.accounts[0]: names no account under accounts: (finance-prod)',
      ],
      [
        '{ kind: cluster, accounts: ["111122223333", finance-prod] }',
        'schedules[0].select.accounts[1]: is account 111122223333, as accounts[0] is',
      ],
      [
        '{ kind: cluster, accounts: ["123456789012", "123456789012"] }',
        'schedules[0].select.accounts[1]: repeats accounts[0]',
      ],
      ['{ kind: cluster, accounts: [] }', 'schedules[0].select.accounts: '],
      ['{ kind: cluster, regions: [europe] }', 'schedules[0].select.regions[0]: must be an AWS Region name'],
      [
        '{ kind: cluster, regions: [eu-west-1, eu-west-1] }',
        'schedules[0].select.regions[1]: repeats regions[0]',
      ],
      [
        '{ kind: graph, accounts: ["123456789012"] }',
        "schedules[0].select.accounts: graphs are exported in the deployment's own account only",
      ],
      [
        '{ kind: graph, regions: [eu-west-1] }',
        "schedules[0].select.regions: graphs are exported in the deployment's own Region only",
      ],
    ])('refuses %s, naming the field', (select, message) => {
      expect(errorIn(select)).toContain(message);
    });
  });
});
