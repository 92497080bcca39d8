import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { RequestLogger } from '../protocol/request-log.ts';

export interface LocalDynamoDb {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A real DynamoDB wire-protocol implementation (dynalite, in memory), on 127.0.0.1 and a port
 * chosen now, with the deployment's tables. Every request is logged under the SDK's service name
 * with the operation's own parameters (X-Amz-Target `DynamoDB_20120810.<Action>`, JSON body).
 */
export async function startLocalDynamoDb(
  tables: readonly string[],
  log: RequestLogger,
  credentials: { accessKeyId: string; secretAccessKey: string },
  region: string,
): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.prependListener('request', (req) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const action = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      let params: Record<string, unknown> = {};
      try {
        params = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        params = { unparseable: true };
      }
      log({ service: 'dynamodb', action, params });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ region, endpoint, credentials });
  try {
    // As resources/state.yml defines them: string keys `pk` (partition) and `sk` (sort), on demand.
    for (const TableName of tables) {
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
    }
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
