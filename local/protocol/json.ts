import { FaultInjector, type LocalServer, listen, send } from './http.ts';
import type { LocalService, RequestLogger } from './request-log.ts';

/** An AWS JSON-protocol error: `__type` is what the SDK maps to its exception class. */
export class JsonFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'JsonFault';
  }
}

export type JsonActions = Record<string, (params: Record<string, unknown>) => unknown>;

export interface JsonServer extends LocalServer {
  readonly faults: FaultInjector;
}

/**
 * Serves an AWS JSON 1.0 / 1.1 protocol API: POST with `X-Amz-Target: <prefix>.<Operation>` and a
 * JSON body. Injected throttling answers `ThrottlingException` ("Rate exceeded").
 */
export async function startJsonServer(
  service: LocalService,
  targetPrefix: string,
  jsonVersion: '1.0' | '1.1',
  actions: JsonActions,
  log: RequestLogger,
): Promise<JsonServer> {
  const faults = new FaultInjector();
  const contentType = `application/x-amz-json-${jsonVersion}`;
  const server = await listen(async (req, body, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith(`${targetPrefix}.`) ? target.slice(targetPrefix.length + 1) : target;
    const params = (body.length > 0 ? JSON.parse(body.toString('utf8')) : {}) as Record<string, unknown>;
    log({ service, action, params });
    try {
      const handler = actions[action];
      if (!handler) throw new JsonFault('UnknownOperationException', `Unknown operation ${target}`);
      if (faults.take(action)) throw new JsonFault('ThrottlingException', 'Rate exceeded');
      const result = await handler(params);
      send(res, 200, contentType, JSON.stringify(result ?? {}));
    } catch (error) {
      if (!(error instanceof JsonFault)) throw error;
      send(res, error.status, contentType, JSON.stringify({ __type: error.type, message: error.message }));
    }
  });
  return { ...server, faults };
}
