import { describe, expect, it } from 'vitest';
import { parseWarningMessage } from '#functions/notify/warning-message.ts';

describe('parseWarningMessage', () => {
  it('reads the documented example (DescribeExportTasks, Aurora User Guide)', () => {
    const warning =
      '{"skippedTables":[],"skippedObjectives":[],"general":[{"reason":"FAILED_TO_EXTRACT_TABLES_LIST_FOR_DATABASE"}]}';
    expect(parseWarningMessage(warning)).toEqual({
      skipped: [],
      general: ['FAILED_TO_EXTRACT_TABLES_LIST_FOR_DATABASE'],
    });
  });

  it('lists skipped tables with their reasons, whatever key names the table', () => {
    const warning = JSON.stringify({
      skippedTables: [
        { target: 'orders.public.audit', reason: 'PERMISSIONS_DO_NOT_EXIST' },
        { tableName: 'orders.public.tmp' },
        'orders.public.legacy',
      ],
    });
    expect(parseWarningMessage(warning).skipped).toEqual([
      { target: 'orders.public.audit', reason: 'PERMISSIONS_DO_NOT_EXIST' },
      { target: 'orders.public.tmp', reason: 'skipped by the export (no reason given)' },
      { target: 'orders.public.legacy', reason: 'skipped by the export (no reason given)' },
    ]);
  });

  it('has nothing to say about an absent or empty WarningMessage', () => {
    expect(parseWarningMessage(undefined)).toEqual({ skipped: [], general: [] });
    expect(parseWarningMessage('  ')).toEqual({ skipped: [], general: [] });
  });

  it.each([
    ['{"skippedTables":', 'WarningMessage is not JSON'],
    ['["a"]', 'WarningMessage is not a JSON object'],
    ['"text"', 'WarningMessage is not a JSON object'],
    ['{"skippedTables":"orders.public.a"}', 'skippedTables is not a list'],
    ['{"general":[{"code":1}]}', 'a general entry has no reason'],
    ['{"skippedTables":[{"size":3}]}', 'a skippedTables entry names no table and no reason'],
  ])('reports %j as malformed instead of throwing', (warning, problem) => {
    expect(parseWarningMessage(warning).malformed).toContain(problem);
  });

  it('keeps what it could read from a partly malformed message', () => {
    const parsed = parseWarningMessage(
      '{"skippedTables":[{"target":"a.b.c","reason":"r"}],"general":"oops"}',
    );
    expect(parsed.skipped).toEqual([{ target: 'a.b.c', reason: 'r' }]);
    expect(parsed.malformed).toBe('WarningMessage: general is not a list');
  });
});
