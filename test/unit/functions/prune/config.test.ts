import { describe, expect, it } from 'vitest';
import { PruneEnv } from '#functions/prune/config.ts';

const env = (STATE_MACHINE_ARN: string) =>
  PruneEnv.safeParse({ EXPORT_BUCKET: 'exports', EXPORTS_TABLE: 'rds-export-exports', STATE_MACHINE_ARN });

describe('PruneEnv', () => {
  it('takes the export state machine ARN', () => {
    expect(env('arn:aws:states:us-east-1:123456789012:stateMachine:rds-export').success).toBe(true);
  });

  it.each([
    ['an execution ARN', 'arn:aws:states:us-east-1:123456789012:execution:rds-export:run-1'],
    ['another service', 'arn:aws:sns:us-east-1:123456789012:stateMachine'],
    ['a bare name', 'rds-export'],
  ])('refuses %s, naming what it must be', (_, value) => {
    const result = env(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['STATE_MACHINE_ARN'],
        message: 'must be the export state machine ARN',
      }),
    ]);
  });
});
