import { createHash } from 'node:crypto';
import { dataTime, type SnapshotSource } from '#shared/contract/execution.ts';
import { identityOf } from '#shared/sources/kinds/registry/identity.ts';

/**
 * Export task identifiers. RDS accepts 1–60 characters, a letter first, only ASCII letters, digits
 * and hyphens, no `--` and no trailing `-` (StartExportTask, ExportTaskIdentifier), and keeps an
 * identifier taken for good, also after FAILED or CANCELED. The same string is the Step Functions
 * execution name, which is how duplicate events collapse into one export.
 */

export const EXPORT_TASK_IDENTIFIER_MAX = 60;
const HASH_LENGTH = 10;
const MAX_ATTEMPT = 9999;

/** True when RDS accepts `id` as an ExportTaskIdentifier. */
export function isValidExportTaskIdentifier(id: string): boolean {
  return (
    id.length >= 1 &&
    id.length <= EXPORT_TASK_IDENTIFIER_MAX &&
    /^[A-Za-z][A-Za-z0-9-]*$/.test(id) &&
    !id.includes('--') &&
    !id.endsWith('-')
  );
}

/** The name inside a source ARN (`...:snapshot:<id>`, `...:cluster-snapshot:<id>`, `...:cluster:<id>`). */
function sourceName(arn: string): string {
  const match = /^arn:[^:]+:rds:[^:]*:[^:]*:(?:snapshot|cluster-snapshot|cluster):(.+)$/.exec(arn);
  return match?.[1] ?? arn;
}

/** What one export exports: a source ARN, and the moment of its data (snapshot creation, schedule slot). */
export interface ExportIdentity {
  arn: string;
  /** ISO 8601; part of the identity when known, so a source re-created under its old name is new. */
  at?: string | undefined;
  /** The readable part, when the ARN holds no name (a graph ARN ends in its `g-…` id). */
  name?: string | undefined;
}

/**
 * The identity of the export of `source`: its ARN and its data's time (dataTime), and for a graph,
 * whose ARN ends in its `g-…` id, its name, so the identifier reads with the graph's name.
 */
export function exportIdentity(
  source: Pick<SnapshotSource, 'kind' | 'arn' | 'sourceIdentifier' | 'snapshotCreateTime' | 'scheduledTime'>,
): ExportIdentity {
  return {
    arn: source.arn,
    at: dataTime(source),
    name: identityOf(source.kind).readableName(source),
  };
}

function identityKey({ arn, at }: ExportIdentity): string {
  // RDS stores identifiers in lowercase, so ARNs that differ only in case name one source.
  const key = arn.trim().toLowerCase();
  if (at === undefined) return key;
  const time = new Date(at);
  return `${key}@${Number.isNaN(time.getTime()) ? at : time.toISOString()}`;
}

function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s === '') return 'snapshot';
  // Names may start with a digit (or with characters the slug drops); the identifier may not.
  return /^[a-z]/.test(s) ? s : `s-${s}`;
}

/**
 * The export task identifier (and execution name) for an export: a readable slug of the source
 * name plus a hash of the ARN and the data's time (a snapshot's creation time). An RDS event and an
 * AWS Backup event for one snapshot describe the same snapshot, so they give the same id; a
 * snapshot deleted and created again under its old name does not, and neither do snapshots whose
 * names share a long prefix. `attempt` > 1 is a deliberate re-export and gets a `-r<attempt>`
 * suffix, because RDS never frees an identifier.
 */
export function exportTaskIdentifier(identity: ExportIdentity, attempt = 1): string {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > MAX_ATTEMPT) {
    throw new RangeError(`attempt must be an integer from 1 to ${MAX_ATTEMPT}, got ${attempt}`);
  }
  const arn = identity.arn.trim().toLowerCase();
  const hash = createHash('sha256').update(identityKey(identity)).digest('hex').slice(0, HASH_LENGTH);
  const suffix = attempt > 1 ? `-${hash}-r${attempt}` : `-${hash}`;
  const head = slug(identity.name ?? sourceName(arn))
    .slice(0, EXPORT_TASK_IDENTIFIER_MAX - suffix.length)
    .replace(/-+$/, '');
  return `${head}${suffix}`;
}
