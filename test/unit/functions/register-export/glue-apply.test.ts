import {
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  CreateTableCommand,
  GlueClient,
  InvalidInputException,
  ThrottlingException,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { applyWrites } from '#functions/register-export/glue-apply.ts';
import type { GlueWrite } from '#functions/register-export/glue-plan.ts';
import { classified } from '#shared/aws/classified.ts';

const glueMock = mockClient(GlueClient);
// As register-export builds it: its errors are the pipeline's classified ones, the AWS error their cause.
const glue = classified(new GlueClient({ region: 'us-east-1' }), 'glue');
afterEach(() => glueMock.reset());

const delays: number[] = [];
const retry = {
  attempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  sleep: async (ms: number) => void delays.push(ms),
  random: () => 0.5,
};
const partition: GlueWrite = {
  kind: 'createPartition',
  table: 't_history',
  partition: { Values: ['e1', 's'] },
};
const create: GlueWrite = { kind: 'createTable', input: { Name: 't' } };
const update: GlueWrite = { kind: 'updateTable', input: { Name: 't' } };
const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });

describe('applyWrites', () => {
  it('sends the writes in order, one call each', async () => {
    glueMock.on(BatchCreatePartitionCommand).resolves({ Errors: [] }).on(CreateTableCommand).resolves({});
    const out = await applyWrites(glue, 'db', [partition, create], retry);
    expect(out).toEqual({ ok: true, calls: 2 });
    expect(glueMock.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'BatchCreatePartitionCommand',
      'CreateTableCommand',
    ]);
    expect(glueMock.commandCalls(BatchCreatePartitionCommand)[0]?.args[0].input).toEqual({
      DatabaseName: 'db',
      TableName: 't_history',
      PartitionInputList: [{ Values: ['e1', 's'] }],
    });
  });

  it('accepts a partition that Errors[] says already exists', async () => {
    glueMock.on(BatchCreatePartitionCommand).resolves({
      Errors: [
        {
          PartitionValues: ['e1', 's'],
          ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' },
        },
      ],
    });
    expect(await applyWrites(glue, 'db', [partition], retry)).toEqual({ ok: true, calls: 1 });
  });

  it('retries a partition whose Errors[] entry is transient, then succeeds', async () => {
    glueMock
      .on(BatchCreatePartitionCommand)
      .resolvesOnce({
        Errors: [{ PartitionValues: ['e1', 's'], ErrorDetail: { ErrorCode: 'InternalServiceException' } }],
      })
      .resolves({ Errors: [] });
    expect(await applyWrites(glue, 'db', [partition], retry)).toEqual({ ok: true, calls: 2 });
  });

  it('fails the table with the reason of a permanent Errors[] entry and stops there', async () => {
    glueMock.on(BatchCreatePartitionCommand).resolves({
      Errors: [
        {
          PartitionValues: ['e1', 's'],
          ErrorDetail: { ErrorCode: 'InvalidInputException', ErrorMessage: 'bad location' },
        },
      ],
    });
    const out = await applyWrites(glue, 'db', [partition, update], retry);
    expect(out).toEqual({
      ok: false,
      calls: 1,
      reason: 'partition of t_history: InvalidInputException: bad location',
      transient: false,
    });
    expect(glueMock.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  it('retries a partition whose Errors[] entry stays transient a bounded number of times, with growing, jittered delays', async () => {
    delays.length = 0;
    glueMock.on(BatchCreatePartitionCommand).resolves({
      Errors: [{ PartitionValues: ['e1', 's'], ErrorDetail: { ErrorCode: 'ThrottlingException' } }],
    });
    const out = await applyWrites(glue, 'db', [partition], retry);
    expect(out).toMatchObject({ ok: false, calls: 4, transient: true });
    expect(delays).toEqual([50, 100, 200]);
  });

  it("sends a throttled write once and reports it: the client's retry strategy has retried it already", async () => {
    glueMock.on(UpdateTableCommand).rejects(throttled());
    const out = await applyWrites(glue, 'db', [update], retry);
    expect(glueMock.commandCalls(UpdateTableCommand)).toHaveLength(1);
    expect(out).toEqual({
      ok: false,
      calls: 1,
      reason: "updateTable t: ThrottlingException: Rate exceeded (still failing after the SDK's retries)",
      transient: true,
    });
  });

  it('does not retry a permanent error', async () => {
    glueMock.on(UpdateTableCommand).rejects(new InvalidInputException({ message: 'bad', $metadata: {} }));
    expect(await applyWrites(glue, 'db', [update], retry)).toMatchObject({ ok: false, calls: 1 });
  });

  it('updates a table that a concurrent run created between the read and the write', async () => {
    glueMock
      .on(CreateTableCommand)
      .rejects(new AlreadyExistsException({ message: 'exists', $metadata: {} }))
      .on(UpdateTableCommand)
      .resolves({});
    expect(await applyWrites(glue, 'db', [create], retry)).toEqual({ ok: true, calls: 2 });
    expect(glueMock.commandCalls(UpdateTableCommand)[0]?.args[0].input).toEqual({
      DatabaseName: 'db',
      TableInput: { Name: 't' },
    });
  });

  it('skips the version archive when it updates a latest table, and keeps it for a history table', async () => {
    glueMock.on(UpdateTableCommand).resolves({});
    const latest: GlueWrite = {
      kind: 'updateTable',
      input: { Name: 't', Parameters: { 'rds_export.role': 'latest' } },
    };
    const history: GlueWrite = {
      kind: 'updateTable',
      input: { Name: 't_history', Parameters: { 'rds_export.role': 'history' } },
    };
    await applyWrites(glue, 'db', [history, latest], retry);
    const calls = glueMock.commandCalls(UpdateTableCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.TableInput?.Name, c.SkipArchive])).toEqual([
      ['t_history', undefined],
      ['t', true],
    ]);
  });
});
