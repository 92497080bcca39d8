import { describe, expect, it } from 'vitest';
import { truncateText } from '#shared/contract/payload.ts';

describe('truncateText', () => {
  it('keeps text that fits and marks a cut with an ellipsis, within the limit', () => {
    expect(truncateText('abc', 3)).toBe('abc');
    expect(truncateText('abcdef', 4)).toBe('abc…');
  });

  it('ends an ASCII-only cut (an SNS subject) in three dots, still within the limit', () => {
    expect(truncateText('abcdefgh', 6, '...')).toBe('abc...');
  });

  it('cuts to the ellipsis alone when the limit is zero', () => {
    expect(truncateText('abcdef', 0)).toBe('…');
  });
});
