import {
  BatchCreatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  GetDatabaseCommand,
  GetTablesCommand,
  GlueClient,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { MemoryGlue } from '#testkit/memory-glue.ts';

export const GLUE_WRITES = [
  CreateDatabaseCommand,
  CreateTableCommand,
  UpdateTableCommand,
  BatchCreatePartitionCommand,
];

/** aws-sdk-client-mock on GlueClient, answering from an in-memory catalog so state survives between runs. */
export function mockGlue(memory = new MemoryGlue()) {
  const mock = mockClient(GlueClient);
  for (const Cmd of [GetDatabaseCommand, GetTablesCommand, ...GLUE_WRITES]) {
    // biome-ignore lint/suspicious/noExplicitAny: each command class takes its own input type.
    mock.on(Cmd as any).callsFake((input: any) => memory.handle(new (Cmd as any)(input)));
  }
  const writes = () =>
    mock.calls().filter((call) => GLUE_WRITES.some((Cmd) => call.args[0] instanceof Cmd)).length;
  return { client: new GlueClient({ region: 'us-east-1' }), mock, memory, writes };
}
