import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PHASES, phaseOf, STATE_PHASES } from '#bin/phases.ts';

const asl = parse(
  readFileSync(new URL('../../../statemachines/export.asl.yml', import.meta.url), 'utf8'),
) as {
  States: Record<string, unknown>;
};

describe('the phase table of the export state machine', () => {
  it('names every state of statemachines/export.asl.yml, and no state it does not have', () => {
    expect(Object.keys(STATE_PHASES).sort()).toEqual(Object.keys(asl.States).sort());
  });

  it('maps every state to one of the phases', () => {
    for (const phase of Object.values(STATE_PHASES)) expect(PHASES).toContain(phase);
  });

  it('reads a queued export from the slot wait and a running one from the export wait', () => {
    expect(phaseOf('Wait for a free export slot')).toBe('queued');
    expect(phaseOf('Wait for the export to end')).toBe('exporting');
    expect(phaseOf('Register tables')).toBe('registering');
  });

  it('does not guess the phase of a state it does not know', () => {
    expect(phaseOf('A state added later')).toBeUndefined();
    expect(phaseOf('toString')).toBeUndefined();
  });
});
