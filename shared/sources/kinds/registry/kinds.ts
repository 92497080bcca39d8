import type { SourceKind } from '#shared/contract/execution.ts';
import type { KindModule } from '#shared/sources/kinds/types.ts';

/**
 * The registry of source kinds: the only place that maps a source kind to its module. `snapshot`
 * (DB and cluster snapshots, which differ only by RDS's API names), `cluster` (a live Aurora
 * cluster at a schedule slot) and `graph` (a Neptune Analytics graph). Each capability has its
 * own table in this folder (identity.ts, start.ts, track.ts, notify.ts, ops.ts, register.ts,
 * select.ts), so a function imports only the capability it uses: its bundle, and the IAM actions
 * derived from its imports (test/deploy), hold only that capability's calls.
 */
export const KIND_OF = {
  'db-snapshot': 'snapshot',
  'cluster-snapshot': 'snapshot',
  cluster: 'cluster',
  graph: 'graph',
} as const satisfies Record<SourceKind, string>;
export type KindName = (typeof KIND_OF)[SourceKind];

/** One capability of every kind (the type checker names a kind a table lacks). */
export type Table<C extends keyof KindModule> = { readonly [K in KindName]: KindModule[C] };

/**
 * A capability at a source kind. The tables are built when asked for, not at load: the kinds'
 * modules import each other in cycles, and nothing may read an import while they load.
 */
export function pick<C extends keyof KindModule>(table: Table<C>, kind: SourceKind): KindModule[C] {
  return table[KIND_OF[kind]];
}
