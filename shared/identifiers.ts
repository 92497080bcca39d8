import { createHash } from 'node:crypto';

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

/** The snapshot identifier inside an RDS snapshot ARN (`...:snapshot:<id>` / `...:cluster-snapshot:<id>`). */
function snapshotName(snapshotArn: string): string {
  const match = /^arn:[^:]+:rds:[^:]*:[^:]*:(?:snapshot|cluster-snapshot):(.+)$/.exec(snapshotArn);
  return match?.[1] ?? snapshotArn;
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
 * The export task identifier (and execution name) for a snapshot: a readable slug of the snapshot
 * name plus a hash of the whole ARN, so an RDS event and an AWS Backup event for one snapshot give
 * the same id, and snapshots whose names share a long prefix do not. `attempt` > 1 is a deliberate
 * re-export and gets a `-r<attempt>` suffix, because RDS never frees an identifier.
 */
export function exportTaskIdentifier(snapshotArn: string, attempt = 1): string {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > MAX_ATTEMPT) {
    throw new RangeError(`attempt must be an integer from 1 to ${MAX_ATTEMPT}, got ${attempt}`);
  }
  // RDS stores snapshot identifiers in lowercase, so ARNs that differ only in case name one snapshot.
  const arn = snapshotArn.trim().toLowerCase();
  const hash = createHash('sha256').update(arn).digest('hex').slice(0, HASH_LENGTH);
  const suffix = attempt > 1 ? `-${hash}-r${attempt}` : `-${hash}`;
  const head = slug(snapshotName(arn))
    .slice(0, EXPORT_TASK_IDENTIFIER_MAX - suffix.length)
    .replace(/-+$/, '');
  return `${head}${suffix}`;
}
