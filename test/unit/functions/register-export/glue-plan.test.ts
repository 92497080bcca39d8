import type { Table, TableInput } from '@aws-sdk/client-glue';
import { describe, expect, it } from 'vitest';
import { planTable } from '../../../../functions/register-export/glue-plan.ts';
import type { DesiredTable } from '../../../../functions/register-export/glue-tables.ts';
import { historyTableInput, latestTableInput } from '../../../../functions/register-export/glue-tables.ts';

const desired = (
  exportId: string,
  snapshotTime: string,
  columns = [{ Name: 'id', Type: 'int' }],
): DesiredTable => ({
  target: 'db.public.t',
  name: 'db_public_t',
  columns,
  location: `s3://b/p/${exportId}/db/public.t/`,
  exportId,
  snapshotTime,
  serde: {},
});

/** What the catalog holds after `writes` ran: the inputs as Glue returns them. */
const asTable = (input: TableInput | undefined): Table => ({
  ...(input as TableInput),
  Name: input?.Name ?? '',
});

function catalogAfter(d: DesiredTable) {
  const writes = planTable(d, undefined, undefined);
  const latest = writes.find((w) => w.kind === 'createTable' && w.input.Name === d.name);
  const history = writes.find((w) => w.kind === 'createTable' && w.input.Name === `${d.name}_history`);
  return {
    latest: asTable(latest?.kind === 'createTable' ? latest.input : undefined),
    history: asTable(history?.kind === 'createTable' ? history.input : undefined),
  };
}

describe('planTable', () => {
  it('creates the history table, its first partition, then the latest-export table, in that order', () => {
    const writes = planTable(desired('e1', '2026-01-01T00:00:00Z'), undefined, undefined);
    expect(writes.map((w) => [w.kind, w.kind === 'createPartition' ? w.table : w.input.Name])).toEqual([
      ['createTable', 'db_public_t_history'],
      ['createPartition', 'db_public_t_history'],
      ['createTable', 'db_public_t'],
    ]);
    const partition = writes[1];
    expect(partition?.kind === 'createPartition' && partition.partition.Values).toEqual([
      'e1',
      '2026-01-01T00:00:00Z',
    ]);
    const latest = writes[2];
    expect(latest?.kind === 'createTable' && latest.input.PartitionKeys).toBeUndefined();
    expect(latest?.kind === 'createTable' && latest.input.StorageDescriptor?.Location).toBe(
      's3://b/p/e1/db/public.t/',
    );
  });

  it('plans nothing when the latest table already shows this export', () => {
    const d = desired('e1', '2026-01-01T00:00:00Z');
    const { latest, history } = catalogAfter(d);
    expect(planTable(d, latest, history)).toEqual([]);
  });

  it('plans two writes for a later export with the same schema: its partition and the latest table', () => {
    const { latest, history } = catalogAfter(desired('e1', '2026-01-01T00:00:00Z'));
    const writes = planTable(desired('e2', '2026-02-01T00:00:00Z'), latest, history);
    expect(writes.map((w) => w.kind)).toEqual(['createPartition', 'updateTable']);
  });

  it('also updates the history table when the schema changed, keeping columns only older exports had', () => {
    const { latest, history } = catalogAfter(
      desired('e1', '2026-01-01T00:00:00Z', [
        { Name: 'id', Type: 'int' },
        { Name: 'gone', Type: 'string' },
      ]),
    );
    const writes = planTable(
      desired('e2', '2026-02-01T00:00:00Z', [
        { Name: 'id', Type: 'bigint' },
        { Name: 'added', Type: 'boolean' },
      ]),
      latest,
      history,
    );
    expect(writes.map((w) => w.kind)).toEqual(['updateTable', 'createPartition', 'updateTable']);
    const h = writes[0];
    expect(
      h?.kind === 'updateTable' && h.input.StorageDescriptor?.Columns?.map((c) => `${c.Name}:${c.Type}`),
    ).toEqual(['id:bigint', 'added:boolean', 'gone:string']);
    expect(h?.kind === 'updateTable' && h.input.StorageDescriptor?.Location).toBe('s3://b/p/e1/db/public.t/');
    const p = writes[1];
    expect(
      p?.kind === 'createPartition' && p.partition.StorageDescriptor?.Columns?.map((c) => c.Name),
    ).toEqual(['id', 'added']);
  });

  it('only adds the partition of an export older than the one the latest table shows', () => {
    const { latest, history } = catalogAfter(desired('e2', '2026-02-01T00:00:00Z'));
    const writes = planTable(
      desired('e1', '2026-01-01T00:00:00Z', [{ Name: 'x', Type: 'string' }]),
      latest,
      history,
    );
    expect(writes.map((w) => w.kind)).toEqual(['createPartition']);
  });

  it('recreates a history table that someone deleted, without touching an up-to-date latest table otherwise', () => {
    const d = desired('e2', '2026-02-01T00:00:00Z');
    const latest = asTable(latestTableInput(desired('e1', '2026-01-01T00:00:00Z')));
    const writes = planTable(d, latest, undefined);
    expect(writes.map((w) => [w.kind, w.kind === 'createPartition' ? w.table : w.input.Name])).toEqual([
      ['createTable', 'db_public_t_history'],
      ['createPartition', 'db_public_t_history'],
      ['updateTable', 'db_public_t'],
    ]);
    expect(historyTableInput(d, d.columns).PartitionKeys?.map((k) => k.Name)).toEqual([
      'export_id',
      'snapshot_time',
    ]);
  });
});
