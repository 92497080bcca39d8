import type { ServerResponse } from 'node:http';
import { FaultInjector, type LocalServer, listen } from '../protocol/http.ts';
import type { RequestLogger } from '../protocol/request-log.ts';
import { describeGraph, type LocalGraphs } from './graphs.ts';
import { describeGraphTask, type GraphExportTasks, GraphFault, graphFault } from './tasks.ts';

/**
 * The local Neptune Analytics control plane (neptune-graph 2023-11-29, REST-JSON, as
 * @aws-sdk/client-neptune-graph sends it): ListGraphs, GetGraph, ListTagsForResource,
 * StartExportTask, GetExportTask, ListExportTasks and CancelExportTask. Each request is logged with
 * its input members as the API model names and types them (path labels, query strings, body).
 */

export interface LocalNeptuneGraph extends LocalServer {
  readonly faults: FaultInjector;
  /** DeleteGraph, as an operator would run it: the graph goes, its running exports end DELETED. */
  deleteGraph(id: string): void;
}

type Params = Record<string, unknown>;
interface Route {
  method: string;
  path: RegExp;
  action: string;
  /** Path labels, in the order of the pattern's groups. */
  labels?: string[];
  /** Query string members and whether each is an integer. */
  query?: Record<string, 'string' | 'integer'>;
  status?: number;
  handle: (params: Params) => unknown;
}

const page = <T>(items: T[], params: Params, limit: number) => {
  const max = params.maxResults === undefined ? limit : Number(params.maxResults);
  if (!Number.isInteger(max) || max < 1 || max > limit) {
    throw graphFault.validation(`maxResults must be between 1 and ${limit}`);
  }
  const offset =
    typeof params.nextToken === 'string' ? Number(Buffer.from(params.nextToken, 'base64url').toString()) : 0;
  const next =
    offset + max < items.length ? Buffer.from(String(offset + max)).toString('base64url') : undefined;
  return { items: items.slice(offset, offset + max), ...(next === undefined ? {} : { nextToken: next }) };
};

function routes(graphs: LocalGraphs, tasks: GraphExportTasks): Route[] {
  const graph = (params: Params) => {
    const found = graphs.find(String(params.graphIdentifier));
    if (!found) throw graphFault.notFound(`Graph ${String(params.graphIdentifier)} not found`);
    return found;
  };
  return [
    {
      method: 'GET',
      path: /^\/graphs$/,
      action: 'ListGraphs',
      query: { maxResults: 'integer', nextToken: 'string' },
      handle: (p) => {
        const { items, nextToken } = page(graphs.list(), p, 100);
        return { graphs: items.map(describeGraph), ...(nextToken === undefined ? {} : { nextToken }) };
      },
    },
    {
      method: 'GET',
      path: /^\/graphs\/([^/]+)$/,
      action: 'GetGraph',
      labels: ['graphIdentifier'],
      handle: (p) => describeGraph(graph(p)),
    },
    {
      method: 'GET',
      path: /^\/tags\/(.+)$/,
      action: 'ListTagsForResource',
      labels: ['resourceArn'],
      handle: (p) => {
        const found = graphs.list().find((g) => g.arn === p.resourceArn);
        if (!found) throw graphFault.notFound(`Resource ${String(p.resourceArn)} not found`);
        return { tags: found.tags };
      },
    },
    {
      method: 'POST',
      path: /^\/exporttasks$/,
      action: 'StartExportTask',
      status: 201,
      handle: (p) => describeGraphTask(tasks.start(p), false),
    },
    {
      method: 'GET',
      path: /^\/exporttasks$/,
      action: 'ListExportTasks',
      query: { graphIdentifier: 'string', maxResults: 'integer', nextToken: 'string' },
      handle: (p) => {
        const all = [...tasks.tasks.values()].filter(
          (t) => p.graphIdentifier === undefined || t.graphId === p.graphIdentifier,
        );
        const { items, nextToken } = page(all, p, 100);
        return {
          tasks: items.map((t) => describeGraphTask(t, false)),
          ...(nextToken === undefined ? {} : { nextToken }),
        };
      },
    },
    {
      method: 'GET',
      path: /^\/exporttasks\/([^/]+)$/,
      action: 'GetExportTask',
      labels: ['taskIdentifier'],
      handle: (p) => describeGraphTask(tasks.get(String(p.taskIdentifier)), true),
    },
    {
      method: 'DELETE',
      path: /^\/exporttasks\/([^/]+)$/,
      action: 'CancelExportTask',
      labels: ['taskIdentifier'],
      handle: (p) => describeGraphTask(tasks.cancel(String(p.taskIdentifier)), false),
    },
  ];
}

function reply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  // The Date header carries simulated time: the SDK corrects its signing clock from it (clock skew).
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    date: new Date().toUTCString(),
    ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
  });
  res.end(text);
}

/** Starts the local neptune-graph endpoint over the account's graphs and export tasks. */
export async function startLocalNeptuneGraph(
  graphs: LocalGraphs,
  tasks: GraphExportTasks,
  log: RequestLogger,
): Promise<LocalNeptuneGraph> {
  const faults = new FaultInjector();
  const table = routes(graphs, tasks);
  const server = await listen(async (req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const route = table.find((r) => r.method === req.method && r.path.test(url.pathname));
    if (!route) {
      reply(res, 404, { message: `No route for ${req.method} ${url.pathname}` }, 'UnknownOperationException');
      return;
    }
    const params: Params = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Params) : {};
    const match = route.path.exec(url.pathname);
    (route.labels ?? []).forEach((label, i) => {
      params[label] = decodeURIComponent(match?.[i + 1] ?? '');
    });
    for (const [name, type] of Object.entries(route.query ?? {})) {
      const value = url.searchParams.get(name);
      if (value !== null) params[name] = type === 'integer' ? Number(value) : value;
    }
    log({ service: 'neptune-graph', action: route.action, params });
    try {
      if (faults.take(route.action)) throw graphFault.throttling();
      reply(res, route.status ?? 200, route.handle(params));
    } catch (error) {
      if (!(error instanceof GraphFault)) throw error;
      reply(
        res,
        error.status,
        { message: error.message, ...(error.reason === undefined ? {} : { reason: error.reason }) },
        error.type,
      );
    }
  });
  return {
    ...server,
    faults,
    deleteGraph: (id) => {
      graphs.delete(id);
      tasks.graphDeleted(id);
    },
  };
}
