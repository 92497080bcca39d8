import { describe, expect, it } from 'vitest';
import { secondsBetween } from '#shared/runtime/time.ts';

describe('secondsBetween', () => {
  it('counts the seconds from one time to another, given as ISO strings or Dates', () => {
    expect(secondsBetween('2024-05-01T06:00:00Z', new Date('2024-05-01T06:01:30.400Z'))).toBe(90.4);
  });

  it('rounds to whole seconds only when asked', () => {
    expect(secondsBetween('2024-05-01T06:00:00Z', '2024-05-01T06:01:30.600Z', 'whole')).toBe(91);
  });

  it('never goes negative when the later time comes from a clock that runs behind', () => {
    expect(secondsBetween('2024-05-01T06:00:05Z', '2024-05-01T06:00:00Z')).toBe(0);
  });

  it('knows no duration when an end is missing or not a time', () => {
    expect(secondsBetween(undefined, '2024-05-01T06:00:00Z')).toBeUndefined();
    expect(secondsBetween('2024-05-01T06:00:00Z', 'soon')).toBeUndefined();
  });
});
