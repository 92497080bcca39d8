import { IntakeEnv } from '#shared/exports/intake-env.ts';

/** on-schedule's environment: that of every function that starts exports. */
export const OnScheduleEnv = IntakeEnv;
