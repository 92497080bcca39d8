import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's directory for what test files share: test/deploy's packaged services. */
    packageRunDir: string;
  }
}

/** One directory per test run, removed when the run ends. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'rds-export-test-run-'));
  project.provide('packageRunDir', dir);
  return () => rm(dir, { recursive: true, force: true });
}
