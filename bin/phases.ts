/**
 * What an export execution is doing, read from the state it is in (its latest StateEntered event).
 * The one table from state names of statemachines/export.asl.yml to phases: when a state is added
 * or renamed, this table changes with it (test/unit/bin/phases.test.ts fails until it does).
 */

export const PHASES = ['queued', 'starting', 'exporting', 'registering', 'notifying', 'ending'] as const;
export type Phase = (typeof PHASES)[number];

/** State name → phase. `exporting` is refined by the export task's own status (STARTING, IN_PROGRESS). */
export const STATE_PHASES: Readonly<Record<string, Phase>> = Object.freeze({
  'Start export': 'starting',
  'Keep start result': 'starting',
  'Export slot free?': 'starting',
  'Unexpected start result': 'notifying',
  'Queued too long?': 'queued',
  'Notify queued too long': 'queued',
  'Wait for a free export slot': 'queued',
  'Notify start failed': 'notifying',
  'Export could not start': 'ending',
  'Notify export started': 'exporting',
  'Export end announced?': 'exporting',
  'Export end announced again?': 'exporting',
  'Wait for the export to end': 'exporting',
  'Wait before checking export': 'exporting',
  'Check export': 'exporting',
  'Keep check result': 'exporting',
  'Export ended?': 'exporting',
  'Release export slots': 'exporting',
  'Export finished?': 'exporting',
  'Wait for the export to end again': 'exporting',
  'Wait before checking export again': 'exporting',
  'Notify check failed': 'notifying',
  'Export could not be tracked': 'ending',
  'Register tables': 'registering',
  'Keep registration result': 'registering',
  'Registration finished?': 'registering',
  'Registration rounds spent': 'registering',
  'Notify export completed': 'notifying',
  'Tables registered?': 'notifying',
  'Export done': 'ending',
  'Tables not registered': 'ending',
  'Notify export failed': 'notifying',
  'Export failed': 'ending',
  'Notify export canceled': 'notifying',
  'Export canceled': 'ending',
  'Notify unknown status': 'notifying',
  'Export status unknown': 'ending',
});

/** The phase of a state; undefined for a state this table does not know (the output names the state). */
export function phaseOf(stateName: string): Phase | undefined {
  return Object.hasOwn(STATE_PHASES, stateName) ? STATE_PHASES[stateName] : undefined;
}
