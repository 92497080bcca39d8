import { describe, expect, it } from 'vitest';
import {
  parseOriginalType,
  typedColumn,
  typedColumnFromView,
} from '#functions/register-export/typed-columns.ts';

const string = (name: string, comment?: string) => ({
  Name: name,
  Type: 'string',
  ...(comment ? { Comment: comment } : {}),
});

describe('parseOriginalType', () => {
  it.each([
    ['numeric(12,2)', { base: 'numeric', args: [12, 2], array: false }],
    ['timestamp(3) with time zone', { base: 'timestamp with time zone', args: [3], array: false }],
    ['integer[]', { base: 'integer', args: [], array: true }],
    ['ARRAY', { base: 'array', args: [], array: true }],
    ['Character  Varying(20)', { base: 'character varying', args: [20], array: false }],
  ])('reads %s', (raw, parsed) => {
    expect(parseOriginalType(raw)).toEqual(parsed);
  });
});

describe('typedColumn for PostgreSQL', () => {
  it('casts a numeric with precision and scale from the metadata to that exact decimal, safely', () => {
    const c = typedColumn(
      string('amount', 'numeric(12,2)'),
      { type: 'numeric', numPrecision: 12, numScale: 2 },
      'postgres',
    );
    expect(c).toEqual({
      name: 'amount',
      sql: 'try_cast("amount" AS decimal(12,2))',
      trinoType: 'decimal(12,2)',
      hiveType: 'decimal(12,2)',
      comment: 'numeric(12,2) → decimal(12,2); a value that does not parse is NULL',
    });
  });

  it('keeps a numeric whose scale the metadata does not give as a string, saying so, rather than guess', () => {
    const c = typedColumn(string('n', 'numeric(10,0)'), { type: 'numeric', numPrecision: 10 }, 'postgres');
    expect([c.trinoType, c.sql]).toEqual(['varchar', '"n"']);
    expect(c.comment).toMatch(/gives this numeric no scale/);
  });

  it('reads numeric(p) in the type name as scale 0, as PostgreSQL does', () => {
    expect(typedColumn(string('n'), { type: 'numeric(10)' }, 'postgres').trinoType).toBe('decimal(10,0)');
  });

  it('keeps decimals above 38 digits and unconstrained numerics as strings', () => {
    expect(typedColumn(string('n'), { type: 'numeric(50,2)' }, 'postgres').comment).toMatch(
      /exceeds Athena's DECIMAL precision of 38/,
    );
    expect(typedColumn(string('n'), { type: 'numeric' }, 'postgres').trinoType).toBe('varchar');
  });

  it('casts dates and timestamps at the column precision, with time zone where the source has one', () => {
    expect(typedColumn(string('d'), { type: 'date' }, 'postgres').trinoType).toBe('date');
    expect(
      typedColumn(string('t'), { type: 'timestamp without time zone', dateTimePrecision: 6 }, 'postgres')
        .trinoType,
    ).toBe('timestamp(6)');
    expect(typedColumn(string('t'), { type: 'timestamp(3) without time zone' }, 'postgres').trinoType).toBe(
      'timestamp(3)',
    );
    expect(typedColumn(string('t'), { type: 'timestamp with time zone' }, 'postgres').trinoType).toBe(
      'timestamp(6) with time zone',
    );
  });

  it('parses arrays of scalars element by element and leaves arrays of text as strings', () => {
    const ints = typedColumn(string('a'), { type: 'integer[]' }, 'postgres');
    expect(ints.trinoType).toBe('array(integer)');
    expect(ints.hiveType).toBe('array<int>');
    expect(ints.sql).toContain('x -> try_cast(x AS integer)');
    expect(typedColumn(string('a'), { type: 'text[]' }, 'postgres').comment).toMatch(/quote their elements/);
    expect(typedColumn(string('a'), { type: 'ARRAY' }, 'postgres').comment).toMatch(/no element type/);
  });

  it('passes text, JSON, intervals and non-string columns through with their reason', () => {
    expect(
      typedColumn(string('s', 'character varying(20)'), { type: 'character varying(20)' }, 'postgres'),
    ).toMatchObject({
      sql: '"s"',
      trinoType: 'varchar',
      comment: 'character varying(20)',
    });
    expect(typedColumn(string('j'), { type: 'jsonb' }, 'postgres').comment).toMatch(/JSON text/);
    expect(typedColumn(string('i', 'interval'), { type: 'interval' }, 'postgres').comment).toMatch(
      /^interval: stays a string/,
    );
    expect(
      typedColumn({ Name: 'b', Type: 'boolean', Comment: 'boolean' }, { type: 'boolean' }, 'postgres'),
    ).toMatchObject({
      sql: '"b"',
      trinoType: 'boolean',
    });
  });
});

describe('typedColumn for MySQL', () => {
  it('gives TIMESTAMP (an instant, exported in UTC) its zone and leaves DATETIME a timestamp', () => {
    expect(typedColumn({ Name: 'ts', Type: 'timestamp' }, { type: 'timestamp' }, 'mysql')).toMatchObject({
      sql: `with_timezone("ts", 'UTC')`,
      trinoType: 'timestamp(3) with time zone',
    });
    expect(typedColumn({ Name: 'dt', Type: 'timestamp' }, { type: 'datetime(6)' }, 'mysql').trinoType).toBe(
      'timestamp(3)',
    );
  });

  it('casts DATE strings and keeps TIME and JSON as text', () => {
    expect(typedColumn(string('d'), { type: 'date' }, 'mysql').trinoType).toBe('date');
    expect(typedColumn(string('t'), { type: 'time' }, 'mysql').trinoType).toBe('varchar');
    expect(typedColumn(string('j'), { type: 'json' }, 'mysql').comment).toMatch(/JSON text/);
  });
});

describe('typedColumnFromView', () => {
  it('rebuilds a column of an earlier view from its stored type alone', () => {
    expect(typedColumnFromView(string('amount'), 'decimal(12,2)', 'c').sql).toBe(
      'try_cast("amount" AS decimal(12,2))',
    );
    expect(typedColumnFromView(string('s'), 'varchar', 'c').sql).toBe('"s"');
    expect(
      typedColumnFromView({ Name: 'ts', Type: 'timestamp' }, 'timestamp(3) with time zone', 'c').sql,
    ).toBe(`with_timezone("ts", 'UTC')`);
  });
});
