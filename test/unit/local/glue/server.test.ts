import {
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetTablesCommand,
  GlueClient,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlueCatalog, startLocalGlue } from '#local/glue/server.ts';
import type { JsonServer } from '#local/protocol/json.ts';
import type { LoggedRequest } from '#local/protocol/request-log.ts';

const catalog = new GlueCatalog();
const logged: LoggedRequest[] = [];
let server: JsonServer;
let glue: GlueClient;

beforeAll(async () => {
  server = await startLocalGlue(catalog, (e) => logged.push(e));
  glue = new GlueClient({
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  await server?.close();
});

const table = (name: string) => ({
  Name: name,
  StorageDescriptor: { Location: 's3://b/p/', Columns: [{ Name: 'id', Type: 'int' }] },
  PartitionKeys: [{ Name: 'export_id', Type: 'string' }],
});

describe('the local Glue endpoint', () => {
  it('creates databases and tables, lowercasing names, and refuses duplicates with AlreadyExistsException', async () => {
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'Db1' } }));
    await glue.send(new CreateTableCommand({ DatabaseName: 'db1', TableInput: table('T1') }));
    await expect(
      glue.send(new CreateTableCommand({ DatabaseName: 'db1', TableInput: table('t1') })),
    ).rejects.toBeInstanceOf(AlreadyExistsException);
    await expect(
      glue.send(new UpdateTableCommand({ DatabaseName: 'db1', TableInput: table('t2') })),
    ).rejects.toBeInstanceOf(EntityNotFoundException);
    const out = await glue.send(new GetTablesCommand({ DatabaseName: 'db1' }));
    expect(out.TableList?.map((t) => [t.Name, t.DatabaseName])).toEqual([['t1', 'db1']]);
  });

  it('reports existing partitions in Errors[] instead of failing the whole batch', async () => {
    const partition = (v: string) => ({ Values: [v], StorageDescriptor: { Location: `s3://b/p/${v}/` } });
    await glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: 'db1',
        TableName: 't1',
        PartitionInputList: [partition('a')],
      }),
    );
    const out = await glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: 'db1',
        TableName: 't1',
        PartitionInputList: [partition('a'), partition('b')],
      }),
    );
    expect(out.Errors).toEqual([
      {
        PartitionValues: ['a'],
        ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition a already exists.' },
      },
    ]);
    expect(catalog.partitionsOf('db1', 't1').map((p) => p.Values)).toEqual([['a'], ['b']]);
  });

  it('pages GetTables with NextToken and logs each request with its operation name', async () => {
    for (let i = 0; i < 3; i++)
      await glue.send(new CreateTableCommand({ DatabaseName: 'db1', TableInput: table(`p${i}`) }));
    const first = await glue.send(new GetTablesCommand({ DatabaseName: 'db1', MaxResults: 2 }));
    const second = await glue.send(
      new GetTablesCommand({ DatabaseName: 'db1', MaxResults: 2, NextToken: first.NextToken }),
    );
    expect([...(first.TableList ?? []), ...(second.TableList ?? [])]).toHaveLength(4);
    expect(second.NextToken).toBeUndefined();
    expect(logged.at(-1)).toEqual({
      service: 'glue',
      action: 'GetTables',
      params: { DatabaseName: 'db1', MaxResults: 2, NextToken: '2' },
    });
  });

  it('throttles injected calls with ThrottlingException', async () => {
    server.faults.throttle('GetTables', 1);
    await expect(glue.send(new GetTablesCommand({ DatabaseName: 'db1' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });
});
