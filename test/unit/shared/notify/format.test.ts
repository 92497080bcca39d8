import { describe, expect, it } from 'vitest';
import { formatDuration, formatSize, listWithinLimit } from '#shared/notify/format.ts';

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [45, '45 s'],
    [725, '12 min 5 s'],
    [3600, '1 h'],
    [12_000, '3 h 20 min'],
    [187_200, '2 d 4 h'],
  ])('formats %d seconds as "%s"', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('formatSize', () => {
  it('says "less than 1 GB" for the 0 that TotalExtractedDataInGB reports for small exports', () => {
    expect(formatSize(0)).toBe('less than 1 GB');
    expect(formatSize(1263)).toBe('1,263 GB');
  });
});

describe('listWithinLimit', () => {
  it('lists every item when they fit', () => {
    expect(listWithinLimit(['a', 'b'], 100)).toBe('• a\n• b');
  });

  it('ends with "and N more" when the items do not fit, staying within the limit', () => {
    const items = Array.from({ length: 500 }, (_, i) => `database.schema.table_number_${i}`);
    const text = listWithinLimit(items, 3000);
    expect(text.length).toBeLessThanOrEqual(3000);
    const shown = text.split('\n').filter((line) => line.startsWith('• ')).length;
    expect(text.endsWith(`…and ${500 - shown} more`)).toBe(true);
    expect(shown).toBeGreaterThan(50);
  });

  it('cuts a single enormous entry instead of dropping every entry', () => {
    const text = listWithinLimit(['x'.repeat(10_000), 'short'], 3000);
    expect(text).toContain('• short');
    expect(text.length).toBeLessThanOrEqual(3000);
  });
});
