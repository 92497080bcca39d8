import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { atInvocationEnd, lambdaHandler } from '#shared/runtime/handler.ts';

const context = { functionName: 'test', awsRequestId: 'r' } as Context;

describe('lambdaHandler', () => {
  it('ends every invocation with the registered steps, after a result and after an error', async () => {
    const ended: string[] = [];
    atInvocationEnd(async () => {
      ended.push('flushed');
    });
    const handler = lambdaHandler(
      { what: 'test input', input: z.object({ fail: z.boolean() }) },
      async ({ fail }) => {
        if (fail) throw new Error('boom');
        return 'ok';
      },
    );
    expect(await handler({ fail: false }, context)).toBe('ok');
    await expect(handler({ fail: true }, context)).rejects.toThrow('boom');
    expect(ended).toEqual(['flushed', 'flushed']);
  });

  it('keeps the result when an end-of-invocation step fails', async () => {
    atInvocationEnd(() => {
      throw new Error('metrics broke');
    });
    const handler = lambdaHandler({ what: 'test input', input: z.unknown() }, async () => 'still ok');
    expect(await handler({}, context)).toBe('still ok');
  });
});
