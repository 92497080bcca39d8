import type { Table, TableInput } from '@aws-sdk/client-glue';
import { describe, expect, it } from 'vitest';
import { planTable } from '#functions/register-export/glue-plan.ts';
import type { DesiredTable } from '#functions/register-export/glue-tables.ts';
import { historyTableInput, latestTableInput } from '#functions/register-export/glue-tables.ts';

const desired = (
  exportId: string,
  snapshotTime: string,
  columns = [{ Name: 'id', Type: 'int' }],
): DesiredTable => ({
  target: 'db.public.t',
  name: 'db_public_t',
  columns,
  location: `s3://b/p/${exportId}/db/public.t/`,
  sourceLocation: 's3://b/p/',
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
    expect(h?.kind === 'updateTable' && h.input.StorageDescriptor?.Location).toBe('s3://b/p/');
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

  it("points a new history table at the source's prefix, above every export, not at the export's folder", () => {
    const writes = planTable(desired('e1', '2026-01-01T00:00:00Z'), undefined, undefined);
    const history = writes[0];
    expect(history?.kind === 'createTable' && history.input.StorageDescriptor?.Location).toBe('s3://b/p/');
    const partition = writes[1];
    expect(partition?.kind === 'createPartition' && partition.partition.StorageDescriptor?.Location).toBe(
      's3://b/p/e1/db/public.t/',
    );
  });

  it("moves a history table that still names its first export's folder to the source's prefix on the next registration", () => {
    const { latest, history } = catalogAfter(desired('e1', '2026-01-01T00:00:00Z'));
    const old = {
      ...history,
      StorageDescriptor: { ...history.StorageDescriptor, Location: 's3://b/p/e1/db/public.t/' },
    };
    const writes = planTable(desired('e2', '2026-02-01T00:00:00Z'), latest, old);
    expect(writes.map((w) => w.kind)).toEqual(['updateTable', 'createPartition', 'updateTable']);
    const h = writes[0];
    expect(h?.kind === 'updateTable' && [h.input.Name, h.input.StorageDescriptor?.Location]).toEqual([
      'db_public_t_history',
      's3://b/p/',
    ]);
  });

  it('widens the location to the deepest folder above both when the prefix changes from one export to the next', () => {
    const dated = (exportId: string, snapshotTime: string, day: string): DesiredTable => ({
      ...desired(exportId, snapshotTime),
      location: `s3://b/x/src/${day}/${exportId}/db/public.t/`,
      sourceLocation: `s3://b/x/src/${day}/`,
    });
    const { latest, history } = catalogAfter(dated('e1', '2026-01-15T00:00:00Z', '2026/01/15'));
    expect(history.StorageDescriptor?.Location).toBe('s3://b/x/src/2026/01/15/');
    const writes = planTable(dated('e2', '2026-02-01T00:00:00Z', '2026/02/01'), latest, history);
    const h = writes.find((w) => w.kind === 'updateTable' && w.input.Name === 'db_public_t_history');
    expect(h?.kind === 'updateTable' && h.input.StorageDescriptor?.Location).toBe('s3://b/x/src/2026/');
    // An older export registered late widens it too, and nothing else changes.
    const late = planTable(dated('e0', '2025-12-31T00:00:00Z', '2025/12/31'), latest, history);
    expect(late.map((w) => w.kind)).toEqual(['updateTable', 'createPartition']);
    const l = late[0];
    expect(l?.kind === 'updateTable' && l.input.StorageDescriptor?.Location).toBe('s3://b/x/src/');
  });

  it('keeps a history table that already sits above this export where it is', () => {
    const { latest, history } = catalogAfter(desired('e1', '2026-01-01T00:00:00Z'));
    const writes = planTable(desired('e2', '2026-02-01T00:00:00Z'), latest, history);
    expect(writes.map((w) => w.kind)).toEqual(['createPartition', 'updateTable']);
  });

  it('reads the history table by name when this export reads its files by position, which its partition and the latest table do', () => {
    const byIndex = { 'parquet.column.index.access': 'true' };
    const writes = planTable(
      { ...desired('e1', '2026-01-01T00:00:00Z'), serde: byIndex },
      undefined,
      undefined,
    );
    const params = writes.map((w) =>
      w.kind === 'createPartition'
        ? w.partition.StorageDescriptor?.SerdeInfo?.Parameters
        : w.input.StorageDescriptor?.SerdeInfo?.Parameters,
    );
    expect(params).toEqual([{}, byIndex, byIndex]);
  });

  it('makes a history table registered to read by position read by name at the next registration', () => {
    const byIndex = { 'parquet.column.index.access': 'true' };
    const { latest, history } = catalogAfter(desired('e1', '2026-01-01T00:00:00Z'));
    const sd = history.StorageDescriptor;
    const old = {
      ...history,
      StorageDescriptor: {
        ...sd,
        SerdeInfo: { ...sd?.SerdeInfo, Parameters: { 'parquet.column.index.access': 'true' } },
      },
    };
    const writes = planTable({ ...desired('e2', '2026-02-01T00:00:00Z'), serde: byIndex }, latest, old);
    const h = writes[0];
    expect(
      h?.kind === 'updateTable' && [h.input.Name, h.input.StorageDescriptor?.SerdeInfo?.Parameters],
    ).toEqual(['db_public_t_history', {}]);
  });
});
