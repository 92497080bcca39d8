import type { EngineFamily } from '../databases/open.ts';
import { fault } from './faults.ts';

/**
 * ExportTaskIdentifier: 1–60 characters, a letter first, only ASCII letters, digits and hyphens, no
 * trailing hyphen, no `--` (StartExportTask API reference).
 */
export function validateIdentifier(id: string): void {
  const valid =
    id.length <= 60 && /^[A-Za-z][A-Za-z0-9-]*$/.test(id) && !id.includes('--') && !id.endsWith('-');
  if (!valid) throw fault.invalidIdentifier();
}

// Aurora User Guide, Limitations: partial export is refused for names outside A-Z a-z 0-9 $ _.
const NAME = /^[A-Za-z0-9$_]+$/;
const EXPORT_ONLY_MAX_BYTES = 200 * 1024;

// StartExportTask API reference, ExportOnly: PostgreSQL takes database[.schema[.table]]; MySQL,
// MariaDB and Aurora MySQL take database[.table].
const FORMS: Record<EngineFamily, { parts: number; text: string }> = {
  postgres: { parts: 3, text: 'database[.schema[.table]]' },
  mysql: { parts: 2, text: 'database[.table]' },
};

/** ExportOnly entries in the forms of the snapshot's engine family. */
export function validateExportOnly(
  entries: string[],
  database: string,
  family: EngineFamily = 'postgres',
): void {
  if (Buffer.byteLength(entries.join(''), 'utf8') > EXPORT_ONLY_MAX_BYTES) {
    throw fault.invalidExportOnly('The ExportOnly list is larger than 200 KB.');
  }
  for (const entry of entries) {
    const parts = entry.split('.');
    if (parts.length > FORMS[family].parts || parts.some((p) => !NAME.test(p))) {
      throw fault.invalidExportOnly(
        `The ExportOnly entry "${entry}" is not valid: use ${FORMS[family].text} with names made of A-Z, a-z, 0-9, $ and _.`,
      );
    }
    if (parts[0] !== database) {
      throw fault.invalidExportOnly(
        `The ExportOnly entry "${entry}" names a database that is not in the snapshot.`,
      );
    }
  }
}
