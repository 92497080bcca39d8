import type { Table } from '@aws-sdk/client-glue';
import { describe, expect, it } from 'vitest';
import { describeSchemaChange, schemaChange } from '#functions/register-export/schema-changes.ts';

const previous = (columns: Table['StorageDescriptor']) =>
  ({ Name: 't', Parameters: { 'rds_export.export_id': 'e1' }, StorageDescriptor: columns }) as Table;
const BEFORE = previous({
  Columns: [
    { Name: 'id', Type: 'int', Comment: 'integer' },
    { Name: 'note', Type: 'string', Comment: 'text' },
    { Name: 'status', Type: 'string', Comment: 'character varying(10)' },
    { Name: 'amount', Type: 'string', Comment: 'numeric(12,2)' },
  ],
});

describe('schemaChange', () => {
  it('reports added, dropped and retyped columns', () => {
    const change = schemaChange('db.t', 't', BEFORE, 'e2', [
      { Name: 'id', Type: 'bigint', Comment: 'bigint' },
      { Name: 'note', Type: 'string', Comment: 'text' },
      { Name: 'amount', Type: 'string', Comment: 'numeric(14,4)' },
      { Name: 'extra', Type: 'boolean', Comment: 'boolean' },
    ]);
    expect(change && describeSchemaChange(change)).toBe(
      'db.t: added extra boolean (boolean); dropped status; retyped id int (integer) → bigint (bigint); retyped amount string (numeric(12,2)) → string (numeric(14,4)) (since e1)',
    );
  });

  it('infers a rename from a dropped and an added column in the same slot with the same type', () => {
    const change = schemaChange('db.t', 't', BEFORE, 'e2', [
      { Name: 'id', Type: 'int', Comment: 'integer' },
      { Name: 'remark', Type: 'string', Comment: 'text' },
      { Name: 'amount', Type: 'string', Comment: 'numeric(12,2)' },
    ]);
    expect(change?.changes).toEqual([
      'renamed note → remark (inferred: same position and type)',
      'dropped status',
    ]);
  });

  it('reports nothing for an unchanged table, a new table, or the same export again', () => {
    const same = BEFORE.StorageDescriptor?.Columns ?? [];
    expect(schemaChange('db.t', 't', BEFORE, 'e2', same)).toBeUndefined();
    expect(schemaChange('db.t', 't', undefined, 'e2', same)).toBeUndefined();
    expect(schemaChange('db.t', 't', BEFORE, 'e1', [])).toBeUndefined();
  });
});
