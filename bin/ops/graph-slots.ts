import { SourceKind } from '#shared/contract/execution.ts';
import { exportSlots, type SlotPool, type Slots } from '#shared/slots/semaphore.ts';
import { slotsOf } from '#shared/sources/kinds/registry/slots.ts';
import type { Context } from './deployment.ts';
import type { ExportRun } from './executions.ts';

/**
 * The graph exports' slots: the leases of the deployment's table (`slots` / `graph`, shared/slots/semaphore.ts),
 * kept apart from RDS's five. Each export waits while its rule's limit is held: `limit` when the
 * running graph exports agree on one.
 */
export interface GraphSlots {
  used: number;
  limit?: number;
  /** `pipeline: false` for a task the pipeline did not start, which holds an `outside` lease. */
  leases: { exportTaskIdentifier: string; since: string; pipeline: boolean }[];
}

/** The graph pool's leases as they are now (a consistent GetItem of `slots` / `graph`). */
export function readGraphLeases(ctx: Context): Promise<Slots> {
  return exportSlots({
    dynamodb: ctx.clients.dynamodb,
    table: ctx.deployment.exportsTable,
    pool: 'graph',
  }).read();
}

/** The pool an export of the kind takes a slot of; none for a kind this version does not know. */
function poolOf(kind: string): SlotPool | undefined {
  const known = SourceKind.safeParse(kind);
  return known.success ? slotsOf(known.data).pool : undefined;
}

/** The graph pool's leases, oldest first, and the limit the running graph exports wait on. */
export function graphSlots(slots: Slots, runs: readonly ExportRun[]): GraphSlots {
  const limits = new Set(
    runs.flatMap((r) =>
      r.job?.limits !== undefined && poolOf(r.job.source.kind) === 'graph'
        ? [r.job.limits.maxConcurrentExports]
        : [],
    ),
  );
  const leases = [...slots.leases]
    .map(([exportTaskIdentifier, lease]) => ({
      exportTaskIdentifier,
      since: lease.at,
      pipeline: lease.by !== 'outside',
    }))
    .sort((a, b) => a.since.localeCompare(b.since));
  const [limit] = limits;
  return { used: leases.length, ...(limits.size === 1 && limit !== undefined ? { limit } : {}), leases };
}
