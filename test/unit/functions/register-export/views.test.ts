import type { Table } from '@aws-sdk/client-glue';
import { describe, expect, it } from 'vitest';
import type { DesiredTable } from '#functions/register-export/glue-tables.ts';
import { typedColumn } from '#functions/register-export/typed-columns.ts';
import { assignViewName, planViews } from '#functions/register-export/view-plan.ts';
import { decodeView, viewSql } from '#functions/register-export/views.ts';

const desired = (exportId: string, columns: DesiredTable['columns']): DesiredTable => ({
  target: 'db.public.t',
  name: 'db_public_t',
  columns,
  location: `s3://b/p/${exportId}/db/public.t/`,
  sourceLocation: 's3://b/p/',
  exportId,
  snapshotTime: exportId === 'e1' ? '2026-01-01T00:00:00Z' : '2026-01-02T00:00:00Z',
  serde: {},
});
const V1 = [
  { Name: 'id', Type: 'int' },
  { Name: 'amount', Type: 'string', Comment: 'numeric(12,2)' },
];
const typed = (cols: DesiredTable['columns']) =>
  new Map(
    cols.map((c) => [
      c.Name ?? '',
      typedColumn(c, c.Name === 'amount' ? { type: 'numeric(12,2)' } : undefined, 'postgres'),
    ]),
  );

/** The catalog after applying a plan's writes (what Glue would hold). */
function apply(catalog: Map<string, Table>, plan: ReturnType<typeof planViews>) {
  for (const w of plan.writes)
    if (w.kind !== 'createPartition') catalog.set(w.input.Name ?? '', w.input as Table);
}

describe('planViews', () => {
  it('creates both views of a new table, one write each', () => {
    const plan = planViews({
      database: 'db',
      desired: desired('e1', V1),
      latest: undefined,
      history: undefined,
      typed: typed(V1),
      catalog: new Map(),
    });
    expect(plan.writes.map((w) => [w.kind, w.kind === 'createPartition' ? '' : w.input.Name])).toEqual([
      ['createTable', 'db_public_t_typed'],
      ['createTable', 'db_public_t_history_typed'],
    ]);
    const history = plan.writes[1];
    const definition = decodeView(
      history?.kind === 'createTable' ? history.input.ViewOriginalText : undefined,
    );
    expect(definition?.columns.map((c) => c.name)).toEqual(['id', 'amount', 'export_id', 'snapshot_time']);
  });

  it('writes nothing when the views already hold the same columns, and one write per view when they change', () => {
    const catalog = new Map<string, Table>();
    const latest = {
      Name: 'db_public_t',
      Parameters: { 'rds_export.snapshot_time': '2026-01-01T00:00:00Z' },
    } as Table;
    apply(
      catalog,
      planViews({
        database: 'db',
        desired: desired('e1', V1),
        latest: undefined,
        history: undefined,
        typed: typed(V1),
        catalog,
      }),
    );
    const same = planViews({
      database: 'db',
      desired: desired('e2', V1),
      latest,
      history: undefined,
      typed: typed(V1),
      catalog,
    });
    expect(same.writes).toEqual([]);
    const V2 = [...V1, { Name: 'extra', Type: 'boolean' }];
    const changed = planViews({
      database: 'db',
      desired: desired('e2', V2),
      latest,
      history: undefined,
      typed: typed(V2),
      catalog,
    });
    expect(changed.writes.map((w) => w.kind)).toEqual(['updateTable', 'updateTable']);
  });

  it('leaves the views alone for an export older than the one the latest table shows', () => {
    const latest = {
      Name: 'db_public_t',
      Parameters: { 'rds_export.snapshot_time': '2026-03-01T00:00:00Z' },
    } as Table;
    expect(
      planViews({
        database: 'db',
        desired: desired('e1', V1),
        latest,
        history: undefined,
        typed: typed(V1),
        catalog: new Map(),
      }).writes,
    ).toEqual([]);
  });
});

describe('assignViewName', () => {
  it('keeps the name registered for the target and avoids a name a table already holds', () => {
    const ours = {
      Name: 'x',
      Parameters: { 'rds_export.target': 'db.a', 'rds_export.role': 'latest_typed' },
    } as Table;
    expect(assignViewName('a', 'db.a', 'latest_typed', new Map([['x', ours]]))).toBe('x');
    const other = new Map([['a_typed', { Name: 'a_typed' } as Table]]);
    expect(assignViewName('a', 'db.a', 'latest_typed', other)).toMatch(/^a_[0-9a-f]{8}_typed$/);
    expect(assignViewName('t'.repeat(250), 'db.t', 'latest_typed', new Map())).toHaveLength(255);
  });
});

describe('viewSql', () => {
  it('selects each column by its expression, named as the column, from the qualified table', () => {
    expect(viewSql('db', 't', [...typed(V1).values()])).toBe(
      'SELECT\n  "id",\n  try_cast("amount" AS decimal(12,2)) AS "amount"\nFROM "db"."t"',
    );
  });
});
