import { truncateText } from '#shared/contract/payload.ts';

export interface ExportWarnings {
  skipped: { target: string; reason: string }[];
  /** Database-level or general remarks, e.g. FAILED_TO_EXTRACT_TABLES_LIST_FOR_DATABASE. */
  general: string[];
  /** Set when the WarningMessage was present but not the JSON we expect; says what was wrong. */
  malformed?: string;
}

const MAX_ENTRIES = 10_000;
/** How much of a WarningMessage that is not what we expect the notification quotes. */
const EXCERPT_CHARS = 200;

/**
 * Parses an export task's `WarningMessage`, a JSON string such as
 * `{"skippedTables":[],"skippedObjectives":[],"general":[{"reason":"FAILED_TO_EXTRACT_TABLES_LIST_FOR_DATABASE"}]}`
 * (DescribeExportTasks example, Aurora User Guide). No document specifies its entries, so every
 * field is optional and anything unexpected is reported, never thrown.
 */
export function parseWarningMessage(warningMessage: string | undefined): ExportWarnings {
  const result: ExportWarnings = { skipped: [], general: [] };
  if (warningMessage === undefined || warningMessage.trim() === '') return result;
  let doc: unknown;
  try {
    doc = JSON.parse(warningMessage);
  } catch {
    return {
      ...result,
      malformed: `WarningMessage is not JSON: ${truncateText(warningMessage, EXCERPT_CHARS)}`,
    };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return {
      ...result,
      malformed: `WarningMessage is not a JSON object: ${truncateText(warningMessage, EXCERPT_CHARS)}`,
    };
  }
  const record = doc as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of ['skippedTables', 'skippedObjectives'] as const) {
    for (const entry of listOf(record[key], key, problems)) {
      const target =
        typeof entry === 'string'
          ? entry.trim() || undefined
          : textOf(entry, ['target', 'tableName', 'table', 'name']);
      const reason = textOf(entry, ['reason', 'warningMessage', 'message']);
      if (target !== undefined)
        result.skipped.push({ target, reason: reason ?? 'skipped by the export (no reason given)' });
      else if (reason !== undefined) result.general.push(reason);
      else problems.push(`a ${key} entry names no table and no reason`);
    }
  }
  for (const entry of listOf(record.general, 'general', problems)) {
    const reason = typeof entry === 'string' ? entry : textOf(entry, ['reason', 'message']);
    if (reason !== undefined) result.general.push(reason);
    else problems.push('a general entry has no reason');
  }
  return problems.length > 0 ? { ...result, malformed: `WarningMessage: ${problems.join('; ')}` } : result;
}

function listOf(value: unknown, key: string, problems: string[]): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`${key} is not a list`);
    return [];
  }
  return value.slice(0, MAX_ENTRIES);
}

function textOf(entry: unknown, keys: readonly string[]): string | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  for (const key of keys) {
    const value = (entry as Record<string, unknown>)[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}
