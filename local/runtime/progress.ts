import type { GlueCatalog, GlueTable } from '../glue/server.ts';
import type { Execution } from '../sfn/server.ts';
import type { LocalStack } from '../stack.ts';

/**
 * The latest-export Glue table registered for `target` (`database.schema.table`), if any, in the
 * databases `inDatabase` accepts (default all).
 */
export function findTable(
  catalog: GlueCatalog,
  target: string,
  inDatabase: (name: string) => boolean = () => true,
): GlueTable | undefined {
  for (const database of [...catalog.databases.keys()].filter(inDatabase)) {
    const found = catalog
      .tablesOf(database)
      .find(
        (t) =>
          t.TableType !== 'VIRTUAL_VIEW' &&
          (t.PartitionKeys ?? []).length === 0 &&
          Object.values(t.Parameters ?? {}).includes(target),
      );
    if (found) return found;
  }
  return undefined;
}

/**
 * Waits until `expected` executions exist and all have ended, reporting each change of state
 * (execution state, export status and percent) through `report`.
 */
export async function waitForExecutions(
  stack: LocalStack,
  expected: number,
  report: (line: string) => void = () => {},
  pollMs = 200,
): Promise<Execution[]> {
  const last = new Map<string, string>();
  for (;;) {
    const executions = [...stack.sfn.executions.values()];
    for (const e of executions) {
      const task = stack.exportTask(e.name);
      const line = `${e.status}${e.currentState ? ` · ${e.currentState}` : ''}${task ? ` · export ${task.Status} ${task.PercentProgress}%` : ''}`;
      if (last.get(e.name) !== line) {
        last.set(e.name, line);
        report(`${e.name}: ${line}`);
      }
    }
    if (executions.length >= expected && executions.every((e) => e.status !== 'RUNNING')) return executions;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Waits until the named executions have all ended; returns them in the same order. */
export async function waitForNamed(stack: LocalStack, names: string[], pollMs = 100): Promise<Execution[]> {
  for (;;) {
    const found = names.map((n) => stack.sfn.executions.get(n));
    if (found.every((e) => e !== undefined && e.status !== 'RUNNING')) return found as Execution[];
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
