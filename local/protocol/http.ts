import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

export type RequestHandler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void>;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts an HTTP server on 127.0.0.1 on a port the OS picks. */
export async function listen(handler: RequestHandler): Promise<LocalServer> {
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((body) => handler(req, body, res))
      .catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error instanceof Error ? error.stack : error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  // The Date header carries simulated time: the SDK corrects its signing clock from it (clock skew).
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    date: new Date().toUTCString(),
  });
  res.end(body);
}

/**
 * Injected faults: the next `count` requests for `action` fail with a throttling error, so tests can
 * check that the pipeline retries (the service answers "Rate exceeded").
 */
export class FaultInjector {
  readonly #pending = new Map<string, number>();
  throttle(action: string, count: number): void {
    this.#pending.set(action, (this.#pending.get(action) ?? 0) + count);
  }
  /** True (and consumes one) when this request must be throttled. */
  take(action: string): boolean {
    const left = this.#pending.get(action) ?? 0;
    if (left <= 0) return false;
    this.#pending.set(action, left - 1);
    return true;
  }
}
