import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  method: string | undefined;
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookServer {
  /** A Slack-like webhook URL on 127.0.0.1 whose path carries a secret, as real ones do. */
  url: string;
  received: ReceivedPost[];
  /** What the next posts are answered with (Slack answers 200 "ok"). */
  answer(status: number, body: string): void;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1, port chosen by the OS, standing in for Slack's incoming webhook. */
export async function startWebhookServer(
  secretPath = '/services/T0SECRET/B0SECRET/xoxSecretToken123',
): Promise<WebhookServer> {
  const received: ReceivedPost[] = [];
  let status = 200;
  let reply = 'ok';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method,
        path: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${secretPath}`,
    received,
    answer(nextStatus, nextBody) {
      status = nextStatus;
      reply = nextBody;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Everything written to stdout and stderr (where the Powertools logger writes) until `stop()`. */
export function captureOutput(): { text: () => string; stop: () => void } {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const tap =
    (stream: NodeJS.WriteStream, original: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    };
  process.stdout.write = tap(process.stdout, originals.out) as typeof process.stdout.write;
  process.stderr.write = tap(process.stderr, originals.err) as typeof process.stderr.write;
  return {
    text: () => chunks.join(''),
    stop: () => {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}
