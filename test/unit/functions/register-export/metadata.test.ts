import { describe, expect, it } from 'vitest';
import {
  describeOriginalType,
  mergeMetadata,
  skippedFromWarning,
} from '#functions/register-export/metadata.ts';

const file = (key: string, body: unknown) => ({ key: `p/e/${key}`, text: JSON.stringify(body) });

describe('mergeMetadata', () => {
  it('merges every export_tables_info file and keeps the original types per column', () => {
    const merged = mergeMetadata([
      file('export_info_e.json', { snapshotTime: '2026-01-01T00:00:00Z', unknownField: 1 }),
      file('export_tables_info_e_from_1_to_1.json', {
        perTableStatus: [
          {
            target: 'db.public.a',
            status: 'COMPLETE',
            schemaMetadata: {
              originalTypeMappings: [
                { columnName: 'n', originalType: 'numeric', originalNumPrecision: 12, originalNumScale: 2 },
                { columnName: 'noType' },
              ],
            },
          },
        ],
      }),
      file('export_tables_info_e_from_2_to_2.json', { perTableStatus: [{ target: 'db.public.b' }] }),
    ]);
    expect([...merged.tables.keys()]).toEqual(['db.public.a', 'db.public.b']);
    expect(merged.tables.get('db.public.a')?.originalTypes).toEqual(new Map([['n', 'numeric(12,2)']]));
    expect(merged.snapshotTime).toBe('2026-01-01T00:00:00Z');
    expect(merged.problems).toEqual([]);
  });

  it('treats fields of the wrong type as absent instead of rejecting the entry', () => {
    const merged = mergeMetadata([
      file('export_tables_info_e_from_1_to_1.json', {
        perTableStatus: [{ target: 'db.t', sizeGB: 'big', schemaMetadata: { originalTypeMappings: 'nope' } }],
      }),
    ]);
    expect(merged.tables.get('db.t')?.originalTypes.size).toBe(0);
  });

  it('reports skipped tables: warnings, non-COMPLETE status, database-level targets', () => {
    const merged = mergeMetadata([
      file('export_tables_info_e_from_1_to_3.json', {
        perTableStatus: [
          { target: 'db.public.w', status: 'COMPLETE', warningMessage: 'column name not supported' },
          { target: 'db.public.f', status: 'FAILED' },
          { target: 'otherdb', warningMessage: 'no access' },
        ],
      }),
    ]);
    expect(merged.tables.size).toBe(0);
    expect(merged.skipped).toEqual([
      { target: 'db.public.w', reason: 'column name not supported' },
      { target: 'db.public.f', reason: 'status FAILED' },
      { target: 'otherdb', reason: 'no access' },
    ]);
  });

  it('reports a malformed file and an entry without a target, and still reads the rest', () => {
    const merged = mergeMetadata([
      { key: 'k/export_tables_info_e_from_1_to_1.json', text: '{"perTableStatus": [' },
      file('export_tables_info_e_from_2_to_2.json', {
        perTableStatus: [{ status: 'COMPLETE' }, { target: 'db.ok' }],
      }),
      file('export_tables_info_e_from_3_to_3.json', { tables: [] }),
    ]);
    expect([...merged.tables.keys()]).toEqual(['db.ok']);
    expect(merged.problems).toEqual([
      expect.stringMatching(/^k\/export_tables_info_e_from_1_to_1\.json: not JSON/),
      'p/e/export_tables_info_e_from_2_to_2.json: perTableStatus[0] has no target',
      'p/e/export_tables_info_e_from_3_to_3.json: no perTableStatus list',
    ]);
  });
});

describe('describeOriginalType', () => {
  it.each([
    [{ originalType: 'numeric', originalNumPrecision: 12, originalNumScale: 2 }, 'numeric(12,2)'],
    [{ originalType: 'numeric', originalNumPrecision: 10 }, 'numeric(10,0)'],
    [{ originalType: 'numeric' }, 'numeric'],
    [{ originalType: 'character varying', originalCharMaxLength: 40 }, 'character varying(40)'],
    [{ originalType: 'timestamp with time zone', originalDateTimePrecision: 6 }, 'timestamp with time zone'],
    [{ originalType: 'decimal(5,2)', originalNumPrecision: 5 }, 'decimal(5,2)'],
    [{}, undefined],
  ])('describes %o as %s', (mapping, expected) => {
    expect(describeOriginalType(mapping)).toBe(expected);
  });
});

describe('skippedFromWarning', () => {
  it('reads skippedTables from a JSON WarningMessage, as names or objects', () => {
    expect(
      skippedFromWarning(JSON.stringify({ skippedTables: ['db.a', { target: 'db.b', reason: 'too big' }] })),
    ).toEqual([
      { target: 'db.a', reason: 'skipped by the export (WarningMessage)' },
      { target: 'db.b', reason: 'too big' },
    ]);
  });

  it('names no table for free text or an absent message', () => {
    expect(skippedFromWarning('Some tables were skipped')).toEqual([]);
    expect(skippedFromWarning(undefined)).toEqual([]);
  });
});
