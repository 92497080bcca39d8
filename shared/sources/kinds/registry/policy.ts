import type { SourceKind } from '#shared/contract/execution.ts';
import { graphPolicy } from '#shared/sources/kinds/graph/policy.ts';
import type { KindPolicy } from '#shared/sources/kinds/types.ts';
import { rdsPolicy } from '#shared/sources/rds/policy.ts';
import { pick } from './kinds.ts';

/**
 * What the policy's schema refuses of a rule or schedule for the kind. Its own table, imported by
 * the schema: loading a policy bundles none of the kinds' other capabilities.
 */
export function policyOf(kind: SourceKind): KindPolicy {
  return pick<'policy'>({ snapshot: rdsPolicy, cluster: rdsPolicy, graph: graphPolicy }, kind);
}
