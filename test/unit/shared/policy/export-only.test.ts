import { describe, expect, it } from 'vitest';
import { checkExportOnly, engineFamily, pinnedFamily } from '#shared/policy/export-only.ts';
import { anyGlobMatch, globMatch } from '#shared/policy/glob.ts';

describe('checkExportOnly', () => {
  it('accepts the documented PostgreSQL forms: database, database.schema, database.schema.table', () => {
    expect(checkExportOnly(['db', 'db.public', 'db.public.orders', 'd$b_1.s.t'], 'postgres')).toEqual([]);
  });

  it('accepts database and database.table for MySQL-family engines and refuses a schema level', () => {
    expect(checkExportOnly(['shop', 'shop.orders'], 'mysql')).toEqual([]);
    expect(checkExportOnly(['shop.public.orders'], 'mysql', 'aurora-mysql')).toEqual([
      {
        index: 0,
        message: '"shop.public.orders" has 3 parts; engine aurora-mysql takes database or database.table',
      },
    ]);
  });

  it('refuses names with characters outside A-Z a-z 0-9 $ _ and empty parts', () => {
    expect(checkExportOnly(['ok', 'my-db', 'db.', 'tåble'], 'postgres').map((p) => p.index)).toEqual([
      1, 2, 3,
    ]);
  });

  it('refuses a list above 64 KiB, which the state machine could not carry beside everything else', () => {
    const entries = Array.from({ length: 3_500 }, (_, i) => `database_${i}.table_${i}`);
    expect(checkExportOnly(entries, 'mysql').at(-1)?.message).toMatch(
      /accepts at most 65536 \(StartExportTask itself takes 200 KB\)/,
    );
    expect(checkExportOnly(entries.slice(0, 2_000), 'mysql')).toEqual([]);
  });

  it('refuses any list for an engine without partial export', () => {
    expect(checkExportOnly(['db'], null, 'sqlserver-ee')).toEqual([
      { message: 'engine sqlserver-ee does not support a partial export (ExportOnly)' },
    ]);
  });
});

describe('engine families', () => {
  it('knows the PostgreSQL and MySQL engine names, including Aurora MySQL 1 "aurora"', () => {
    expect(engineFamily('aurora-postgresql')).toBe('postgres');
    expect(engineFamily('aurora')).toBe('mysql');
    expect(engineFamily('mariadb')).toBe('mysql');
    expect(engineFamily('oracle-ee')).toBeUndefined();
  });

  it('pins a family only when every engine glob names engines of that one family', () => {
    expect(pinnedFamily(['postgres', 'aurora-postgresql'])).toBe('postgres');
    expect(pinnedFamily(['mysql', 'mariadb'])).toBe('mysql');
    expect(pinnedFamily(['aurora-*'])).toBeUndefined();
    expect(pinnedFamily(['postgres', 'oracle-ee'])).toBeUndefined();
    expect(pinnedFamily(undefined)).toBeUndefined();
  });
});

describe('glob', () => {
  it('treats * and ? as wildcards and everything else literally', () => {
    expect(globMatch('orders-*', 'orders-db')).toBe(true);
    expect(globMatch('orders-?', 'orders-12')).toBe(false);
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('(x)+', '(x)+')).toBe(true);
    expect(globMatch('Prod', 'prod')).toBe(false);
    expect(globMatch('Prod', 'prod', { ignoreCase: true })).toBe(true);
    expect(anyGlobMatch(['a*', 'b*'], 'bee')).toBe(true);
  });
});
