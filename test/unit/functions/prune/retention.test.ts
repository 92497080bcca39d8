import { describe, expect, it } from 'vitest';
import { exportsBeyondRetention, type SourceExport } from '#functions/prune/retention.ts';

const day = (d: number, id = `e${d}`): SourceExport => ({
  exportTaskIdentifier: id,
  snapshotTime: `2026-01-${String(d).padStart(2, '0')}T00:00:00Z`,
});
const EXPORTS = [day(1), day(5), day(9), day(10)];
const now = new Date('2026-01-10T12:00:00Z');
const ids = (list: SourceExport[]) => list.map((e) => e.exportTaskIdentifier);

describe('exportsBeyondRetention', () => {
  it('keeps the latest keepExports', () => {
    expect(ids(exportsBeyondRetention(EXPORTS, { keepExports: 2 }, new Set(), now))).toEqual(['e5', 'e1']);
  });

  it('keeps the exports younger than keepDays', () => {
    expect(ids(exportsBeyondRetention(EXPORTS, { keepDays: 3 }, new Set(), now))).toEqual(['e5', 'e1']);
  });

  it('keeps an export while either setting keeps it', () => {
    expect(ids(exportsBeyondRetention(EXPORTS, { keepExports: 1, keepDays: 6 }, new Set(), now))).toEqual([
      'e1',
    ]);
  });

  it('never lets the newest export go, nor a protected one', () => {
    expect(ids(exportsBeyondRetention(EXPORTS, { keepDays: 0.01 }, new Set(['e5']), now))).toEqual([
      'e9',
      'e1',
    ]);
  });
});
