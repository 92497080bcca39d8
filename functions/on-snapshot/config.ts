import { IntakeEnv } from '#shared/exports/intake-env.ts';

/** on-snapshot's environment: that of every function that starts exports. */
export const OnSnapshotEnv = IntakeEnv;
