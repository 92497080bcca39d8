import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { lambdaHandler, useInEveryHandler } from '#shared/runtime/handler.ts';
import { logger } from '#shared/runtime/logger.ts';

const context = { functionName: 'test', awsRequestId: 'r' } as Context;

describe('lambdaHandler', () => {
  it('runs the registered middlewares at every invocation, after a result and after an error', async () => {
    const ended: string[] = [];
    useInEveryHandler({
      after: async () => {
        ended.push('after');
      },
      onError: async () => {
        ended.push('onError');
      },
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
    expect(ended).toEqual(['after', 'onError']);
  });

  it('keeps the result, and the error, when an end-of-invocation step fails, and logs the failure', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    useInEveryHandler({
      after: () => {
        throw new Error('metrics broke');
      },
      onError: () => {
        throw new Error('metrics broke');
      },
    });
    const handler = lambdaHandler({ what: 'test input', input: z.unknown() }, async (event) => {
      if (event === 'fail') throw new Error('the real error');
      return 'still ok';
    });
    expect(await handler({}, context)).toBe('still ok');
    await expect(handler('fail', context)).rejects.toThrow('the real error');
    expect(warn).toHaveBeenCalledWith('an end-of-invocation step failed', {
      error: expect.objectContaining({ message: 'metrics broke' }),
    });
    warn.mockRestore();
  });
});
