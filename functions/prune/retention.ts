import type { Retention } from '#shared/policy/schema.ts';

/** One registered export of a source, as its history partitions describe it. */
export type SourceExport = {
  exportTaskIdentifier: string;
  snapshotTime: string;
  /** The rule it ran under (`rds_export.rule` on its partitions), when recorded. */
  rule?: string;
};

const DAY_MS = 86_400_000;

const timeOf = (e: SourceExport) => {
  const t = Date.parse(e.snapshotTime);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
};

/** Newest first (by snapshot time, then identifier, so the order never depends on the catalog's). */
export function newestFirst(exports: readonly SourceExport[]): SourceExport[] {
  return [...exports].sort(
    (a, b) => timeOf(b) - timeOf(a) || b.exportTaskIdentifier.localeCompare(a.exportTaskIdentifier),
  );
}

/**
 * The exports of one source that retention lets go. Kept: the latest `keepExports`, every export
 * younger than `keepDays` (an export is kept while either setting keeps it), the newest export
 * whatever the settings, and every export in `protectedIds` (still running or registering, or read
 * by a latest table).
 */
export function exportsBeyondRetention(
  exports: readonly SourceExport[],
  retention: Retention,
  protectedIds: ReadonlySet<string>,
  now: Date,
): SourceExport[] {
  const sorted = newestFirst(exports);
  const cutoff = retention.keepDays === undefined ? undefined : now.getTime() - retention.keepDays * DAY_MS;
  return sorted.filter((e, i) => {
    if (i === 0 || protectedIds.has(e.exportTaskIdentifier)) return false;
    if (retention.keepExports !== undefined && i < retention.keepExports) return false;
    if (cutoff !== undefined && timeOf(e) >= cutoff) return false;
    return true;
  });
}
