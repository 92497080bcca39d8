import { createHash } from 'node:crypto';
import type { PropertyGraph } from './property-graph.ts';

/** A Neptune Analytics graph of the local account (GetGraph / ListGraphs shapes, API member names). */
export interface LocalGraph {
  id: string;
  name: string;
  arn: string;
  status: string;
  statusReason?: string;
  createTime: Date;
  provisionedMemory: number;
  tags: Record<string, string>;
  data: PropertyGraph;
}

/** The account's graphs. Ids are `g-` and ten lowercase letters or digits, derived from the name. */
export class LocalGraphs {
  readonly #byId = new Map<string, LocalGraph>();

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  add(
    name: string,
    data: PropertyGraph,
    options: { status?: string; tags?: Record<string, string> } = {},
  ): LocalGraph {
    const id = `g-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
    const graph: LocalGraph = {
      id,
      name,
      arn: `arn:aws:neptune-graph:${this.region}:${this.account}:graph/${id}`,
      status: options.status ?? 'AVAILABLE',
      createTime: new Date(),
      provisionedMemory: 16,
      tags: { stack: 'local', ...options.tags },
      data,
    };
    this.#byId.set(id, graph);
    return graph;
  }

  list(): LocalGraph[] {
    return [...this.#byId.values()];
  }

  /** By `g-…` id (or name, as GetGraph also accepts): undefined when the account has none such. */
  find(identifier: string): LocalGraph | undefined {
    return this.#byId.get(identifier) ?? this.list().find((g) => g.name === identifier);
  }

  /** DeleteGraph: the graph goes; tasks still exporting it end DELETED (tasks.ts). */
  delete(id: string): void {
    this.#byId.delete(id);
  }
}

/** A graph as GetGraph returns it (timestamps as epoch seconds, the REST-JSON default). */
export function describeGraph(g: LocalGraph) {
  return {
    id: g.id,
    name: g.name,
    arn: g.arn,
    status: g.status,
    ...(g.statusReason === undefined ? {} : { statusReason: g.statusReason }),
    createTime: g.createTime.getTime() / 1000,
    provisionedMemory: g.provisionedMemory,
    publicConnectivity: false,
    replicaCount: 0,
    deletionProtection: false,
  };
}
