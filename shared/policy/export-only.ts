import { BUDGET } from '../contract/payload.ts';
import { anyGlobMatch } from './glob.ts';

/**
 * StartExportTask `ExportOnly` rules (RDS / Aurora user guides, "Exporting ... snapshot data to
 * Amazon S3"): PostgreSQL engines take `database`, `database.schema`, `database.schema.table`;
 * MySQL, MariaDB and Aurora MySQL take `database`, `database.table`. Partial export is refused for
 * names with characters outside `A-Z a-z 0-9 $ _`, and the list may total at most 200 KB.
 */

export type EngineFamily = 'postgres' | 'mysql';

export const ENGINE_FAMILIES: Readonly<Record<EngineFamily, readonly string[]>> = Object.freeze({
  postgres: ['postgres', 'aurora-postgresql'],
  // `aurora` is the engine name of Aurora MySQL 1 (MySQL 5.6 compatible) clusters.
  mysql: ['mysql', 'mariadb', 'aurora-mysql', 'aurora'],
});

const FORMS: Readonly<Record<EngineFamily, { maxParts: number; forms: string }>> = {
  postgres: { maxParts: 3, forms: 'database, database.schema or database.schema.table' },
  mysql: { maxParts: 2, forms: 'database or database.table' },
};

/**
 * StartExportTask takes up to 200 KB, but the list travels in every state of the export machine,
 * which Step Functions caps at 256 KiB in all (shared/contract/payload.ts), so the pipeline takes 64 KiB.
 */
export const EXPORT_ONLY_MAX_BYTES = BUDGET.exportOnlyBytes;
const NAME = /^[A-Za-z0-9$_]+$/;

/** The engine family of an RDS `Engine` value, if partial export supports it. */
export function engineFamily(engine: string): EngineFamily | undefined {
  const e = engine.toLowerCase();
  if (ENGINE_FAMILIES.postgres.includes(e)) return 'postgres';
  if (ENGINE_FAMILIES.mysql.includes(e)) return 'mysql';
  return undefined;
}

/** The single engine family a rule's `match.engine` globs pin, if they pin exactly one. */
export function pinnedFamily(engineGlobs: readonly string[] | undefined): EngineFamily | undefined {
  if (engineGlobs === undefined) return undefined;
  const families = new Set<EngineFamily>();
  for (const glob of engineGlobs) {
    const matched = Object.values(ENGINE_FAMILIES)
      .flat()
      .filter((e) => anyGlobMatch([glob], e, { ignoreCase: true }));
    // A glob that names no exportable engine leaves the family open; the decision checks it.
    if (matched.length === 0) return undefined;
    for (const e of matched) {
      const f = engineFamily(e);
      if (f !== undefined) families.add(f);
    }
  }
  return families.size === 1 ? [...families][0] : undefined;
}

export interface ExportOnlyProblem {
  /** Index into the list, or undefined for a problem with the whole list. */
  index?: number;
  message: string;
}

/**
 * Checks ExportOnly entries. With `family` undefined only the rules common to every engine apply
 * (1–3 parts, name characters, size); `family: null` means the engine cannot export partially.
 */
export function checkExportOnly(
  entries: readonly string[],
  family: EngineFamily | null | undefined,
  engine?: string,
): ExportOnlyProblem[] {
  if (family === null) {
    return [{ message: `engine ${engine ?? '(unknown)'} does not support a partial export (ExportOnly)` }];
  }
  const problems: ExportOnlyProblem[] = [];
  const maxParts = family === undefined ? 3 : FORMS[family].maxParts;
  entries.forEach((entry, index) => {
    const parts = entry.split('.');
    if (parts.length > maxParts) {
      const accepts =
        family === undefined
          ? 'no engine accepts more than database.schema.table'
          : `${engine === undefined ? `${family}-family engines take` : `engine ${engine} takes`} ${FORMS[family].forms}`;
      problems.push({ index, message: `"${entry}" has ${parts.length} parts; ${accepts}` });
      return;
    }
    const bad = parts.find((p) => !NAME.test(p));
    if (bad !== undefined) {
      problems.push({
        index,
        message:
          bad === ''
            ? `"${entry}" has an empty name part`
            : `"${entry}": "${bad}" has characters outside A-Z a-z 0-9 $ _, which partial export does not support`,
      });
    }
  });
  const bytes = Buffer.byteLength(JSON.stringify(entries), 'utf8');
  if (bytes > EXPORT_ONLY_MAX_BYTES) {
    problems.push({
      message: `the list is ${bytes} bytes; the pipeline carries it in its state and accepts at most ${EXPORT_ONLY_MAX_BYTES} (StartExportTask itself takes 200 KB)`,
    });
  }
  return problems;
}
