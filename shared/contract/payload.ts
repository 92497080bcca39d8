/**
 * Step Functions caps a state's input and output at 256 KiB, and a payload past that ends the
 * execution with States.DataLimitExceeded, which no Catch catches: no notification is sent. Every
 * part of the state the pipeline builds is bounded here, whatever the export holds, so the whole
 * state stays below the limit (test/statemachines/payload-budget.test.ts adds the worst cases up).
 */
export const STATE_LIMIT_BYTES = 256 * 1024;

export const BUDGET = {
  /** StartExportTask takes 200 KB; the pipeline carries the list in every state, so it takes less. */
  exportOnlyBytes: 64 * 1024,
  /** The registration result (`$.registration`): counts, the first tables, the report's URI. */
  registrationBytes: 24 * 1024,
  /** An export task's WarningMessage as kept in `$.start.task` and `$.check.task`. */
  warningMessageBytes: 16 * 1024,
  /** An export task's FailureCause as kept in the state. */
  failureCauseChars: 4000,
  /** One table's reason (why it was skipped or not registered). */
  reasonChars: 300,
} as const;

export function byteLength(value: unknown): number {
  return Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
}

/**
 * `text` cut to at most `max` characters, ending in `ellipsis` when cut: the one truncation rule for
 * state, messages, logs and the CLI. SNS subjects pass `'...'` (they must be ASCII).
 */
export function truncateText(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - ellipsis.length))}${ellipsis}`;
}

/** The longest prefix of `items` whose JSON fits in `maxBytes`. */
export function firstFitting<T>(items: readonly T[], maxBytes: number): T[] {
  let used = 2;
  const out: T[] = [];
  for (const item of items) {
    const size = byteLength(item) + 1;
    if (used + size > maxBytes) break;
    used += size;
    out.push(item);
  }
  return out;
}

/**
 * A WarningMessage (JSON such as `{"skippedTables":[...],"general":[...]}`) within `maxBytes`:
 * its lists are shortened, and `omitted` says by how many entries each, so it stays valid JSON
 * that every reader can still parse. Text that is not JSON is cut.
 */
export function boundWarningMessage(text: string, maxBytes = BUDGET.warningMessageBytes): string {
  if (byteLength(text) <= maxBytes) return text;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return truncateText(text, Math.floor(maxBytes / 4));
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return truncateText(text, Math.floor(maxBytes / 4));
  }
  const record = doc as Record<string, unknown>;
  const lists = Object.entries(record).filter((e): e is [string, unknown[]] => Array.isArray(e[1]));
  const share = Math.floor((maxBytes - 512) / Math.max(1, lists.length));
  const omitted: Record<string, number> = {};
  const bounded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!Array.isArray(value)) {
      bounded[key] = typeof value === 'string' ? truncateText(value, 1000) : value;
      continue;
    }
    const kept = firstFitting(value, share);
    bounded[key] = kept;
    if (kept.length < value.length) omitted[key] = value.length - kept.length;
  }
  const out = JSON.stringify({ ...bounded, omitted });
  return byteLength(out) <= maxBytes ? out : JSON.stringify({ omitted, truncated: true });
}
