import { describe, expect, it } from 'vitest';
import { colourOn, duration, painter, progressBar, table } from '#bin/ops/format.ts';

describe('human output', () => {
  it('aligns every column to its widest cell, also when cells are coloured', () => {
    const paint = painter(true);
    const text = table(
      ['A', 'SIZE'],
      [
        [paint('long value', 'red'), '5 GB'],
        ['x', '120 GB'],
      ],
      new Set([1]),
    );
    const plain = text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    expect(plain.split('\n')).toEqual(['A             SIZE', 'long value    5 GB', 'x           120 GB']);
  });

  it('colours only a terminal, and never with NO_COLOR set', () => {
    expect(colourOn({ isTTY: true }, {})).toBe(true);
    expect(colourOn({ isTTY: false }, {})).toBe(false);
    expect(colourOn({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourOn({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(painter(false)('text', 'red')).toBe('text');
  });

  it('writes durations a person reads at a glance', () => {
    expect([duration(42), duration(75), duration(4000), duration(200_000), duration(undefined)]).toEqual([
      '42s',
      '1m 15s',
      '1h 06m',
      '2d 07h',
      '-',
    ]);
  });

  it('draws a progress bar of what is done out of the total', () => {
    expect(progressBar(5, 20, 20)).toBe('[#####---------------]  5/20');
    expect(progressBar(0, 0, 4)).toBe('[####] 0/0');
  });
});
