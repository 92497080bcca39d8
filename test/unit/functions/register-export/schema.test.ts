import { describe, expect, it } from 'vitest';
import type { FileSchema } from '#functions/register-export/schema.ts';
import { glueColumns, mergeSchemas, widen } from '#functions/register-export/schema.ts';

const f = (key: string, ...cols: [string, string][]): FileSchema => ({
  key,
  columns: cols.map(([name, type]) => ({ name, type })),
});

describe('widen', () => {
  it.each([
    ['int', 'bigint', 'bigint'],
    ['smallint', 'int', 'int'],
    ['tinyint', 'smallint', 'smallint'],
    ['float', 'double', 'double'],
    ['decimal(5,2)', 'decimal(10,4)', 'decimal(10,4)'],
    ['decimal(10,0)', 'decimal(5,3)', 'decimal(13,3)'],
  ])('widens %s and %s to %s', (a, b, expected) => {
    expect(widen(a, b)).toBe(expected);
    expect(widen(b, a)).toBe(expected);
  });

  it.each([
    ['int', 'string'],
    ['bigint', 'double'],
    ['decimal(38,0)', 'decimal(38,10)'],
    ['binary', 'string'],
  ])('refuses %s with %s', (a, b) => {
    expect(widen(a, b)).toBeUndefined();
  });
});

describe('mergeSchemas', () => {
  it('keeps identical files as they are, with no notes', () => {
    expect(mergeSchemas([f('1', ['a', 'int']), f('2', ['a', 'int'])])).toEqual({
      ok: true,
      columns: [{ name: 'a', type: 'int' }],
      notes: [],
    });
  });

  it('appends columns missing from some files and reports them', () => {
    expect(mergeSchemas([f('1', ['a', 'int']), f('2', ['a', 'int'], ['b', 'string'])])).toEqual({
      ok: true,
      columns: [
        { name: 'a', type: 'int' },
        { name: 'b', type: 'string' },
      ],
      notes: ['column b is missing from 1 of 2 files'],
    });
  });

  it('fails a table whose files disagree incompatibly, naming the column', () => {
    expect(mergeSchemas([f('1', ['a', 'int']), f('2', ['a', 'string'])])).toEqual({
      ok: false,
      reason: 'files disagree on column a: int vs string',
    });
  });

  it('fails a table with no files, or with a file whose column has no Hive type', () => {
    expect(mergeSchemas([])).toEqual({ ok: false, reason: 'no Parquet files found for the table' });
    expect(
      mergeSchemas([f('1', ['a', 'int']), { key: '2', error: 'column t: TIME has no Hive type' }]),
    ).toEqual({
      ok: false,
      reason: '2: column t: TIME has no Hive type',
    });
  });
});

describe('glueColumns', () => {
  it('lowercases names, keeps name-based reading, and adds original types as comments', () => {
    const files = [f('1', ['Id', 'int'], ['amount', 'string'])];
    const out = glueColumns(
      {
        columns: [
          { name: 'Id', type: 'int' },
          { name: 'amount', type: 'string' },
        ],
      },
      files,
      new Map([
        ['amount', 'numeric(12,2)'],
        ['id', 'integer'],
      ]),
    );
    expect(out).toEqual({
      ok: true,
      columns: [
        { Name: 'id', Type: 'int', Comment: 'integer' },
        { Name: 'amount', Type: 'string', Comment: 'numeric(12,2)' },
      ],
      serde: {},
    });
  });

  it('reads by position when a rename goes beyond case and every file has the same layout', () => {
    const files = [f('1', ['a-b', 'int']), f('2', ['a-b', 'int'])];
    const out = glueColumns({ columns: [{ name: 'a-b', type: 'int' }] }, files, new Map());
    expect(out).toEqual({
      ok: true,
      columns: [{ Name: 'a_b', Type: 'int' }],
      serde: { 'parquet.column.index.access': 'true' },
    });
  });

  it('fails when renamed columns would have to be read by position from files of different layouts', () => {
    const files = [f('1', ['a-b', 'int']), f('2', ['a-b', 'int'], ['c', 'int'])];
    const out = glueColumns(
      {
        columns: [
          { name: 'a-b', type: 'int' },
          { name: 'c', type: 'int' },
        ],
      },
      files,
      new Map(),
    );
    expect(out.ok).toBe(false);
  });
});
