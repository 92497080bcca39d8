import type { SourceKind } from '#shared/contract/execution.ts';
import { graphRegister } from '#shared/sources/kinds/graph/register.ts';
import type { KindRegister } from '#shared/sources/kinds/types.ts';
import { rdsRegister } from '#shared/sources/rds/register.ts';
import { pick } from './kinds.ts';

/**
 * How register-export registers what an export of the kind wrote. Its own table, imported by
 * register-export alone: the kinds' registrations read S3 and write Glue, and call no RDS or
 * Neptune Analytics API.
 */
export function registerOf(kind: SourceKind): KindRegister {
  return pick<'register'>({ snapshot: rdsRegister, cluster: rdsRegister, graph: graphRegister }, kind);
}
