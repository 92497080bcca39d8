import { truncateText } from '../contract/payload.ts';
import { type AwsService, classifyAwsError } from './errors.ts';

/**
 * The one place a client's errors are classified (issue 18 item 4): `classified(new RDSClient(…),
 * 'rds')` makes every `send` of that client, and so every paginator over it, throw the pipeline's
 * error classes (errors.ts) instead of the SDK's, with the AWS error kept as `cause` (read it with
 * `awsCause` / `isAwsError`). Call sites catch only what they handle.
 *
 * The wrapper sits on the client's `send`, not in its middleware stack, because the unit tests stub
 * `send` (aws-sdk-client-mock stubs the client class's `send`, which this one calls), and they must
 * see the classification the functions ship. The SDK's retries run inside `send`, so an error is
 * classified once, after the last attempt. The client stays an instance of its class, which the
 * SDK's paginators require (@smithy/core `createPaginator`).
 */
export function classified<C extends object>(client: C, service: AwsService): C {
  const own = Object.getPrototypeOf(client) as {
    send(command: unknown, ...rest: unknown[]): Promise<unknown>;
  };
  Object.defineProperty(client, 'send', {
    configurable: true,
    writable: true,
    // Read `own.send` at each call: a test's stub of the class's `send` replaces it after construction.
    value: async (command: unknown, ...rest: unknown[]) => {
      try {
        return await own.send.call(client, command, ...rest);
      } catch (error) {
        throw classifyAwsError(error, service, callOf(command));
      }
    },
  });
  return client;
}

/** Input members that say which resource a call was about, shown in the error's message. */
const NAMING = /(Identifier|Arn|Name|Bucket|Key|Prefix|Id)$|^(name|arn)$/;
const MAX_SHOWN = 120;
/** The first members that name resources are enough to find the call; the rest is the input. */
const MAX_MEMBERS = 2;

/**
 * "StartExportTask (ExportTaskIdentifier=…, SourceArn=…)": the operation and the input members that
 * name resources (never payloads such as an SNS message or an item's values). The operation name
 * is read from the command's operation schema (`StaticOperationSchema`, @smithy/types: `[id,
 * namespace, name, …]`), a string literal that survives minification, unlike the class name.
 */
export function callOf(command: unknown): string {
  const c = command as { schema?: unknown; input?: unknown; constructor?: { name?: string } } | null;
  const schema = c?.schema;
  const operation =
    Array.isArray(schema) && typeof schema[2] === 'string'
      ? schema[2]
      : (c?.constructor?.name ?? 'call').replace(/Command$/, '');
  const input = c?.input;
  if (typeof input !== 'object' || input === null) return operation;
  const named = Object.entries(input)
    .filter(([member, value]) => NAMING.test(member) && typeof value === 'string' && value !== '')
    .slice(0, MAX_MEMBERS)
    .map(([member, value]) => `${member}=${truncateText(value as string, MAX_SHOWN)}`);
  return named.length === 0 ? operation : `${operation} (${named.join(', ')})`;
}
