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

/** ExportOnly entries: `database`, `database.schema`, `database.schema.table` (PostgreSQL). */
export function validateExportOnly(entries: string[], database: string): void {
  if (Buffer.byteLength(entries.join(''), 'utf8') > EXPORT_ONLY_MAX_BYTES) {
    throw fault.invalidExportOnly('The ExportOnly list is larger than 200 KB.');
  }
  for (const entry of entries) {
    const parts = entry.split('.');
    if (parts.length > 3 || parts.some((p) => !NAME.test(p))) {
      throw fault.invalidExportOnly(
        `The ExportOnly entry "${entry}" is not valid: use database[.schema[.table]] with names made of A-Z, a-z, 0-9, $ and _.`,
      );
    }
    if (parts[0] !== database) {
      throw fault.invalidExportOnly(
        `The ExportOnly entry "${entry}" names a database that is not in the snapshot.`,
      );
    }
  }
}
