import { DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckExportEnv } from '#functions/check-export/config.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { ID, startedState } from './state.ts';

const rds = mockClient(RDSClient);
const context = { functionName: 'check-export', awsRequestId: 'req-1' } as Context;

async function loadHandler(env: Record<string, string> = {}) {
  vi.resetModules();
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  return (await import('#functions/check-export/handler.ts')).handler;
}

beforeEach(() => rds.reset());
afterEach(() => vi.unstubAllEnvs());

describe('check-export handler', () => {
  it('describes the task of a valid execution state and returns the CheckResult', async () => {
    const handler = await loadHandler();
    rds
      .on(DescribeExportTasksCommand, { ExportTaskIdentifier: ID })
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: ID, Status: 'COMPLETE', PercentProgress: 100 }] });
    await expect(handler(startedState(), context)).resolves.toMatchObject({
      status: 'COMPLETE',
      polls: 1,
      task: { exportTaskIdentifier: ID, percentProgress: 100 },
    });
  });

  it('keeps waits within the configured bounds', async () => {
    const handler = await loadHandler({ POLL_MIN_SECONDS: '30', POLL_MAX_SECONDS: '40' });
    rds
      .on(DescribeExportTasksCommand)
      .resolves({ ExportTasks: [{ ExportTaskIdentifier: ID, Status: 'STARTING' }] });
    // Tracking began when start-export saw the task: 5 s ago asks for less than the floor, 600 s
    // ago for more than the ceiling.
    const seen = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();
    await expect(
      handler(startedState({ waitSeconds: 5, checkedAt: seen(5) }), context),
    ).resolves.toMatchObject({ waitSeconds: 30 });
    await expect(
      handler(startedState({ waitSeconds: 600, checkedAt: seen(600) }), context),
    ).resolves.toMatchObject({ waitSeconds: 40 });
  });

  it('rejects an input that is not an execution state with InvalidInputError', async () => {
    const handler = await loadHandler();
    await expect(handler({ exportTaskIdentifier: ID }, context)).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
    expect(rds.calls()).toHaveLength(0);
  });
});

describe('CheckExportEnv', () => {
  it('defaults the wait bounds to 5 s and 1800 s', () => {
    expect(parseEnv(CheckExportEnv, {})).toEqual({ POLL_MIN_SECONDS: 5, POLL_MAX_SECONDS: 1800 });
  });

  it('fails the cold start naming an invalid variable', () => {
    expect(() => parseEnv(CheckExportEnv, { POLL_MAX_SECONDS: '0' })).toThrow(/POLL_MAX_SECONDS/);
    expect(() => parseEnv(CheckExportEnv, { POLL_MIN_SECONDS: '60', POLL_MAX_SECONDS: '30' })).toThrow(
      /POLL_MIN_SECONDS must not exceed POLL_MAX_SECONDS/,
    );
  });
});
