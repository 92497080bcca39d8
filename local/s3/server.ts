import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { LocalServer } from '../protocol/http.ts';
import type { RequestLogger } from '../protocol/request-log.ts';
import { atInstant, atRealTime, atSimulatedTime, installedScale, realNow } from '../runtime/clock.ts';
import { serveObjectVersions } from './versions.ts';

/** s3rver's built-in account: the local stack's fake credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

const QUERY_PARAMS: Record<string, string> = {
  prefix: 'Prefix',
  delimiter: 'Delimiter',
  'max-keys': 'MaxKeys',
  'continuation-token': 'ContinuationToken',
  'start-after': 'StartAfter',
  'key-marker': 'KeyMarker',
  'version-id-marker': 'VersionIdMarker',
  marker: 'Marker',
  'list-type': 'ListType',
};

/** Names the S3 operation of a path-style request, with its parameters as the API names them. */
export function s3Operation(req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>): {
  action: string;
  params: Record<string, unknown>;
} {
  const url = new URL(req.url ?? '/', 'http://local');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const params: Record<string, unknown> = {};
  if (bucket) params.Bucket = decodeURIComponent(bucket);
  if (key) params.Key = key;
  for (const [name, value] of url.searchParams) {
    const mapped = QUERY_PARAMS[name];
    if (mapped && mapped !== 'ListType') params[mapped] = mapped === 'MaxKeys' ? Number(value) : value;
  }
  if (typeof req.headers.range === 'string') params.Range = req.headers.range;
  const method = req.method ?? 'GET';
  let action: string;
  if (!bucket) action = 'ListBuckets';
  else if (!key) {
    if (method === 'PUT') action = 'CreateBucket';
    else if (method === 'HEAD') action = 'HeadBucket';
    else if (method === 'DELETE') action = 'DeleteBucket';
    else if (method === 'POST' && url.searchParams.has('delete')) action = 'DeleteObjects';
    else if (url.searchParams.has('location')) action = 'GetBucketLocation';
    else if (url.searchParams.has('versions')) action = 'ListObjectVersions';
    else action = url.searchParams.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
  } else if (method === 'PUT') action = req.headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
  else if (method === 'HEAD') action = 'HeadObject';
  else if (method === 'DELETE') action = 'DeleteObject';
  else action = 'GetObject';
  return { action, params };
}

/** What the time check needs of s3rver's Koa context. */
interface S3rverContext {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | string[] | undefined>;
  set(field: string, value: string): void;
}
type Middleware = (ctx: S3rverContext, next: () => Promise<unknown>) => Promise<unknown>;

const require = createRequire(import.meta.url);
const { parseDate } = require('s3rver/lib/utils.js') as { parseDate(text: string): Date };

/** When the request was signed, and whether by a presigned URL; undefined when it carries no date. */
function signingTime(ctx: S3rverContext): { at: number; presigned: boolean } | undefined {
  // SigV4 takes the time from x-amz-date (header or presigned URL's query), else the Date header
  // ("Handling dates in Signature Version 4", https://docs.aws.amazon.com/general/latest/gr/sigv4-date-handling.html).
  const presigned = ctx.query['X-Amz-Date'];
  const text = presigned ?? ctx.headers['x-amz-date'] ?? ctx.headers.date;
  if (typeof text !== 'string') return undefined;
  const at = parseDate(text).getTime();
  return Number.isNaN(at) ? undefined : { at, presigned: presigned !== undefined };
}

/**
 * S3 refuses a request signed more than 15 minutes away from its clock ("Time stamp requirement",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAuthentication.html#RESTAuthenticationTimeStamp),
 * and s3rver checks that (and a presigned URL's expiry) against `Date`: the simulated clock, which
 * runs ahead of real time. The stack's own clients sign on it; the AWS CLI and boto3 sign on the
 * real clock and, unlike the JS SDK, never correct their clock from the answer (aws/aws-cli#8662),
 * so after 15 simulated minutes they would all be refused. Each request is checked against the
 * clock it was signed on instead, the nearer of the two, and answered with that clock's Date (what
 * the JS SDK corrects from); the rest of the request runs on the simulated clock.
 *
 * A request signed on the simulated clock was signed in this process, whose clients all read that
 * one clock: what separates its signature from this check is only the time it waited (for a socket,
 * in the event loop), which the time scale multiplies. At ×1,000, 15 simulated minutes are 0.9 s,
 * which a busy process exceeds; the SDK reads each late answer as a clock offset and signs that
 * far in the past, and it retries a RequestTimeTooSkewed only when the answer corrected its clock,
 * which an answer after a round trip over 15 minutes does not (@aws-sdk/core,
 * `getUpdatedSystemClockOffset`): the call fails at its first attempt. That is how 5 of the
 * 1,000-export burst's exports failed (bench/results.md). So a header-signed request on the
 * simulated clock is checked on the real time it waited: S3's 15 minutes are 15 real minutes, as
 * they are for the clients on the real clock. A presigned URL's expiry stays in simulated time.
 */
function onTheSignersClock(authentication: Middleware): Middleware {
  return function authenticationOnTheSignersClock(ctx, next) {
    const rest = () => atSimulatedTime(next);
    const signed = signingTime(ctx);
    if (signed !== undefined && Math.abs(signed.at - realNow()) < Math.abs(signed.at - Date.now())) {
      return atRealTime(() => {
        ctx.set('date', new Date().toUTCString());
        return authentication(ctx, rest);
      });
    }
    ctx.set('date', new Date().toUTCString());
    if (signed === undefined || signed.presigned) return authentication(ctx, rest);
    const waitedRealMs = (Date.now() - signed.at) / installedScale();
    return atInstant(signed.at + waitedRealMs, () => authentication(ctx, rest));
  };
}

// One router serves every s3rver in this process: wrap its authentication middleware once.
const router = require('s3rver/lib/routes.js') as { stack: { stack: Middleware[] }[] };
if (!router.stack.some((layer) => layer.stack.some((fn) => fn.name === 'authenticationOnTheSignersClock'))) {
  const layer = router.stack.find((l) => l.stack.some((fn) => fn.name === 'authentication'));
  if (!layer) throw new Error("s3rver's authentication middleware not found: its routes changed");
  layer.stack = layer.stack.map((fn) => (fn.name === 'authentication' ? onTheSignersClock(fn) : fn));
}

export interface LocalS3 extends LocalServer {
  readonly directory: string;
}

/** Starts s3rver on 127.0.0.1 (a port the OS picks) over a temporary directory, with `buckets` created. */
export async function startLocalS3(buckets: string[], log: RequestLogger): Promise<LocalS3> {
  // prune lists object versions; s3rver alone answers that with MethodNotAllowed.
  serveObjectVersions();
  const directory = await mkdtemp(join(tmpdir(), 'local-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    // Path-style only: the pipeline's clients set forcePathStyle (S3_FORCE_PATH_STYLE=true).
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  server.httpServer.on('request', (req: IncomingMessage) => log({ service: 's3', ...s3Operation(req) }));
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    directory,
    close: async () => {
      server.httpServer.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
