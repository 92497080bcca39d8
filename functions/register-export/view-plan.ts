import type { Table } from '@aws-sdk/client-glue';
import type { GlueWrite } from './glue-plan.ts';
import { historyColumnsAfter, isNewerOrSame } from './glue-plan.ts';
import { type DesiredTable, P } from './glue-tables.ts';
import { HISTORY_SUFFIX, viewName } from './naming.ts';
import type { TypedColumn } from './typed-columns.ts';
import { historyViewColumns, sameView, VIEW_ROLES, type ViewRole, viewTableInput } from './views.ts';

/**
 * The name of a typed view: the one already registered for this target and role (names are
 * stable), else `<table>_typed`, hashed only when a table that is not this view holds that name.
 */
export function assignViewName(
  table: string,
  target: string,
  role: ViewRole,
  catalog: ReadonlyMap<string, Table>,
): string {
  for (const [name, t] of catalog) {
    if (t.Parameters?.[P.target] === target && t.Parameters?.[P.role] === role) return name;
  }
  for (let attempt = 1; ; attempt++) {
    const name = viewName(table, attempt);
    const holder = catalog.get(name);
    if (holder === undefined) return name;
  }
}

export type ViewPlan = { writes: GlueWrite[]; names: string[] };

/**
 * The writes that bring a table pair's two typed views up to date: at most one per view (create, or
 * update when its columns changed), none when the catalog already holds them. Only the export the
 * latest table shows decides the views (an older export's registration leaves them as they are).
 */
export function planViews(args: {
  database: string;
  desired: DesiredTable;
  latest: Table | undefined;
  history: Table | undefined;
  /** This export's typed column for each of its columns, by Glue column name. */
  typed: ReadonlyMap<string, TypedColumn>;
  catalog: ReadonlyMap<string, Table>;
}): ViewPlan {
  const { database, desired: d, latest, history, typed, catalog } = args;
  if (!isNewerOrSame(d, latest)) return { writes: [], names: [] };
  const historyTable = d.name + HISTORY_SUFFIX;
  const latestName = assignViewName(d.name, d.target, VIEW_ROLES.latest, catalog);
  const historyName = assignViewName(historyTable, d.target, VIEW_ROLES.history, catalog);
  const latestColumns = d.columns.map((c) => typed.get(c.Name ?? '')).filter((c) => c !== undefined);
  const wanted = [
    viewTableInput({
      database,
      name: latestName,
      target: d.target,
      role: VIEW_ROLES.latest,
      table: d.name,
      columns: latestColumns,
    }),
    viewTableInput({
      database,
      name: historyName,
      target: d.target,
      role: VIEW_ROLES.history,
      table: historyTable,
      columns: historyViewColumns(historyColumnsAfter(d, latest, history), typed, catalog.get(historyName)),
    }),
  ];
  const writes: GlueWrite[] = [];
  for (const input of wanted) {
    const existing = catalog.get(input.Name ?? '');
    if (!existing) writes.push({ kind: 'createTable', input });
    else if (!sameView(existing, input)) writes.push({ kind: 'updateTable', input });
  }
  return { writes, names: [latestName, historyName] };
}
