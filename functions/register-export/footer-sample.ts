import type { ParquetObject } from './s3-export.ts';

/**
 * Which part files of one table's folder have their footers read. An export writes every file of a
 * table from the one snapshot (or clone) with one schema, so a table's schema is proven by a few
 * files, not by all of them: the first and the last by key, the smallest and the largest, and the
 * first file of each name shape that differs from the first file's (a different batch layout, or a
 * file some other writer put there), at most MAX_SHAPES shapes. At most 4 + MAX_SHAPES footers per
 * table, whatever the number of files; a table of one file reads one.
 */
export const MAX_SHAPES = 4;

/** A key with its numbers and hex runs blurred: `1/part-00012-3fa…-c000.gz.parquet` → `#/part-#-#-c#.gz.parquet`. */
export function nameShape(key: string, folderKeyLength: number): string {
  return key.slice(folderKeyLength).replace(/[0-9a-f]{8,}(-[0-9a-f]{4,})*|\d+/gi, '#');
}

/** The files whose footers prove the table's schema (see above), in key order, each once. */
export function footerSample(files: readonly ParquetObject[], folderPrefix = ''): ParquetObject[] {
  const first = files[0];
  const last = files.at(-1);
  if (first === undefined || last === undefined) return [];
  let smallest = first;
  let largest = first;
  const shapes = new Map<string, ParquetObject>([[nameShape(first.key, folderPrefix.length), first]]);
  for (const f of files) {
    if (f.size < smallest.size) smallest = f;
    if (f.size > largest.size) largest = f;
    if (shapes.size <= MAX_SHAPES) {
      const shape = nameShape(f.key, folderPrefix.length);
      if (!shapes.has(shape)) shapes.set(shape, f);
    }
  }
  const picked = new Map<string, ParquetObject>();
  for (const f of [first, last, smallest, largest, ...shapes.values()]) picked.set(f.key, f);
  return [...picked.values()].sort((a, b) => a.key.localeCompare(b.key));
}
