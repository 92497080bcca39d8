import { GetTablesCommand, GlueClient, ThrottlingException } from '@aws-sdk/client-glue';
import { describe, expect, it } from 'vitest';
import { countRequests, totalRequests } from '#functions/register-export/request-count.ts';

/** A Glue client whose requests are answered in its own stack, where the real network would be. */
function answeringGlue(answer: () => unknown) {
  const glue = new GlueClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
    retryMode: 'standard',
  });
  glue.middlewareStack.add(
    () => async () => ({ output: { $metadata: {}, ...(answer() as object) }, response: {} }),
    {
      step: 'deserialize',
      priority: 'high',
    },
  );
  return glue;
}

describe('countRequests', () => {
  it('counts each request a client sends, by operation, with a middleware in its stack', async () => {
    const glue = answeringGlue(() => ({ TableList: [] }));
    const counts = countRequests(glue);

    await glue.send(new GetTablesCommand({ DatabaseName: 'd' }));
    await glue.send(new GetTablesCommand({ DatabaseName: 'd' }));

    expect(Object.fromEntries(counts)).toEqual({ GetTablesCommand: 2 });
    expect(totalRequests(counts)).toBe(2);
  });

  it('counts every attempt of a request the client retries, and counts once when added twice', async () => {
    let calls = 0;
    const glue = answeringGlue(() => {
      calls++;
      if (calls === 1) throw new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
      return { TableList: [] };
    });
    const counts = countRequests(glue);
    expect(countRequests(glue)).toBe(counts);

    await glue.send(new GetTablesCommand({ DatabaseName: 'd' }));

    expect(totalRequests(counts, (op) => op === 'GetTablesCommand')).toBe(2);
  });
});
