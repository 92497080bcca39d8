import { z } from 'zod';
import { parseEnv } from '#shared/env.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { dispatchDepsFromEnv } from '#shared/intake-env.ts';
import { OnSnapshotEnv } from './config.ts';
import { handleSnapshotEvent } from './intake.ts';

const deps = dispatchDepsFromEnv(parseEnv(OnSnapshotEnv));

// Any event reaches the intake, which logs a decision (skip with the reason) for what it cannot use.
export const handler = lambdaHandler({ what: 'on-snapshot event', input: z.unknown() }, async (event) =>
  handleSnapshotEvent(event, deps),
);
