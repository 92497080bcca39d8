import { describe, expect, it } from 'vitest';
import { WaitsInput } from '#functions/waits/input.ts';
import { formatIssues } from '#shared/runtime/validation.ts';

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
});
