import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WaitsInput } from '#functions/waits/input.ts';
import { formatIssues } from '#shared/runtime/validation.ts';

const exportEnded = JSON.parse(
  readFileSync(new URL('../../../events/rds-db-snapshot-export-completed.json', import.meta.url), 'utf8'),
);

const waitExport = (sourceArn: string) => ({
  action: 'wait-export',
  taskToken: 'tok',
  exportTaskIdentifier: 'orders-x',
  sourceArn,
  checkedAt: '2024-05-01T12:40:00.000Z',
});

const problem = (input: unknown) => {
  const result = WaitsInput.safeParse(input);
  return result.success ? undefined : formatIssues(result.error, 'waits input');
};

describe('WaitsInput', () => {
  it('takes a wait-export whose source is an ARN', () => {
    expect(problem(waitExport('arn:aws:rds:us-east-1:123456789012:snapshot:rds:orders'))).toBeUndefined();
  });

  it.each([
    ['a bare identifier', 'orders'],
    ['an ARN cut short', 'arn:aws:rds:us-east-1:snapshot'],
  ])('refuses a wait-export whose source is %s, naming sourceArn', (_, value) => {
    expect(problem(waitExport(value))).toMatch(/sourceArn: must be an ARN/);
  });

  it('takes the export-finished event RDS sends through EventBridge, keeping its detail', () => {
    expect(WaitsInput.parse(exportEnded)).toMatchObject({
      source: 'aws.rds',
      detail: { EventID: 'RDS-EVENT-0161', Message: expect.any(String) },
    });
  });

  it.each([
    ['without the account EventBridge sets', { ...exportEnded, account: undefined }],
    ['with a time that is no timestamp', { ...exportEnded, time: 'yesterday' }],
    ['from another source', { ...exportEnded, source: 'aws.backup' }],
  ])('refuses an event %s', (_, event) => {
    expect(problem(event)).toMatch(/^waits input: /);
  });
});
