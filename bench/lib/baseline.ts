import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The checkout the benches run in. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * A baseline's tree: `commit` extracted from this repository's history (a clone with history) into a
 * temporary directory that shares this checkout's node_modules, so a bench can measure the code as
 * it was in the same run as the code as it is. The caller removes it (`removeTree`).
 */
export function baselineTree(commit: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rds-export-baseline-'));
  try {
    execFileSync('sh', ['-c', `git -C "${ROOT}" archive ${commit} | tar -x -C "${dir}"`]);
  } catch (error) {
    removeTree(dir);
    throw new Error(`the baseline needs commit ${commit} in this clone's history: ${String(error)}`);
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

export const removeTree = (dir: string) => rmSync(dir, { recursive: true, force: true });
