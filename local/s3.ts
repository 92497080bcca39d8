import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { LocalServer } from './http.ts';
import type { RequestLogger } from './request-log.ts';
import { serveObjectVersions } from './s3-versions.ts';

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
  server.httpServer.on('request', (req: IncomingMessage, res) => {
    // Simulated time in the Date header: the SDK corrects its signing clock from it, and s3rver
    // rejects requests signed more than 15 minutes away from its own (simulated) clock.
    res.setHeader('date', new Date().toUTCString());
    log({ service: 's3', ...s3Operation(req) });
  });
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
