import { z } from 'zod';

/**
 * The export's own metadata files. No AWS document specifies them (field names come from third-party
 * parsers), so every field is optional, unknown fields pass through, and a file that does not parse
 * is reported instead of stopping the registration.
 */

const num = z.number().optional().catch(undefined);
const str = z.string().optional().catch(undefined);

const TypeMapping = z.looseObject({
  columnName: str,
  originalType: str,
  expectedExportedType: str,
  originalCharMaxLength: num,
  originalNumPrecision: num,
  originalNumScale: num,
  originalDateTimePrecision: num,
});

const TableStatus = z.looseObject({
  target: z.string().min(1),
  status: str,
  warningMessage: str,
  sizeGB: num,
  schemaMetadata: z
    .looseObject({ originalTypeMappings: z.array(TypeMapping).optional().catch(undefined) })
    .optional()
    .catch(undefined),
});

export const TablesInfoFile = z.looseObject({ perTableStatus: z.array(z.unknown()) });
export const ExportInfoFile = z.looseObject({ snapshotTime: str, status: str });

/** One column's entry of `originalTypeMappings`, as the export wrote it (every field optional). */
export type OriginalColumn = {
  type: string;
  charMaxLength?: number;
  numPrecision?: number;
  numScale?: number;
  dateTimePrecision?: number;
};

export type TableMetadata = {
  target: string;
  /** Original database type of each column, by column name as exported. */
  originalTypes: Map<string, string>;
  /** The raw mapping of each column, by column name as exported: what the typed views cast from. */
  originals: Map<string, OriginalColumn>;
};

export type MergedMetadata = {
  tables: Map<string, TableMetadata>;
  skipped: { target: string; reason: string }[];
  /** Files or entries that could not be read, with the reason. */
  problems: string[];
  snapshotTime?: string;
};

/** `numeric` + precision 12 + scale 2 → `numeric(12,2)`; a type that already names its size is kept. */
export function describeOriginalType(m: z.infer<typeof TypeMapping>): string | undefined {
  const t = m.originalType?.trim();
  if (!t) return undefined;
  if (t.includes('(')) return t;
  const lower = t.toLowerCase();
  if (
    /^(numeric|decimal)$/.test(lower) &&
    m.originalNumPrecision !== undefined &&
    m.originalNumPrecision > 0
  ) {
    return `${t}(${m.originalNumPrecision},${m.originalNumScale ?? 0})`;
  }
  if (/char|bit|binary/.test(lower) && m.originalCharMaxLength !== undefined && m.originalCharMaxLength > 0) {
    return `${t}(${m.originalCharMaxLength})`;
  }
  return t;
}

/** Merges `export_info_*.json` and every `export_tables_info_*.json`, given as (key, text) pairs. */
export function mergeMetadata(files: readonly { key: string; text: string }[]): MergedMetadata {
  const merged: MergedMetadata = { tables: new Map(), skipped: [], problems: [] };
  for (const { key, text } of files) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      merged.problems.push(`${key}: not JSON (${(err as Error).message})`);
      continue;
    }
    if (/export_info_[^/]*\.json$/.test(key)) {
      const info = ExportInfoFile.safeParse(json);
      if (info.success) merged.snapshotTime = info.data.snapshotTime ?? merged.snapshotTime;
      else merged.problems.push(`${key}: not an export_info object`);
      continue;
    }
    const file = TablesInfoFile.safeParse(json);
    if (!file.success) {
      merged.problems.push(`${key}: no perTableStatus list`);
      continue;
    }
    for (const [i, raw] of file.data.perTableStatus.entries()) addEntry(merged, key, i, raw);
  }
  return merged;
}

function addEntry(merged: MergedMetadata, key: string, index: number, raw: unknown): void {
  const parsed = TableStatus.safeParse(raw);
  if (!parsed.success) {
    merged.problems.push(`${key}: perTableStatus[${index}] has no target`);
    return;
  }
  const entry = parsed.data;
  // A database-level target (no dot) reports something the export skipped, never a table to register.
  if (!entry.target.includes('.')) {
    merged.skipped.push({
      target: entry.target,
      reason: entry.warningMessage ?? `status ${entry.status ?? 'unknown'}`,
    });
    return;
  }
  if (entry.warningMessage !== undefined || (entry.status !== undefined && entry.status !== 'COMPLETE')) {
    merged.skipped.push({ target: entry.target, reason: entry.warningMessage ?? `status ${entry.status}` });
    return;
  }
  const originalTypes = new Map<string, string>();
  const originals = new Map<string, OriginalColumn>();
  for (const m of entry.schemaMetadata?.originalTypeMappings ?? []) {
    const described = describeOriginalType(m);
    if (m.columnName === undefined || described === undefined || m.originalType === undefined) continue;
    originalTypes.set(m.columnName, described);
    originals.set(m.columnName, {
      type: m.originalType.trim(),
      ...(m.originalCharMaxLength === undefined ? {} : { charMaxLength: m.originalCharMaxLength }),
      ...(m.originalNumPrecision === undefined ? {} : { numPrecision: m.originalNumPrecision }),
      ...(m.originalNumScale === undefined ? {} : { numScale: m.originalNumScale }),
      ...(m.originalDateTimePrecision === undefined
        ? {}
        : { dateTimePrecision: m.originalDateTimePrecision }),
    });
  }
  merged.tables.set(entry.target, { target: entry.target, originalTypes, originals });
}

const SkippedTables = z.looseObject({
  skippedTables: z.array(z.union([z.string(), z.looseObject({ target: z.string(), reason: str })])),
});

/** Tables named in the task's WarningMessage (`{"skippedTables": [...]}` when it is JSON); free text names none. */
export function skippedFromWarning(warning: string | undefined): { target: string; reason: string }[] {
  if (!warning) return [];
  let json: unknown;
  try {
    json = JSON.parse(warning);
  } catch {
    return [];
  }
  const parsed = SkippedTables.safeParse(json);
  if (!parsed.success) return [];
  return parsed.data.skippedTables.map((t) =>
    typeof t === 'string'
      ? { target: t, reason: 'skipped by the export (WarningMessage)' }
      : { target: t.target, reason: t.reason ?? 'skipped by the export (WarningMessage)' },
  );
}
