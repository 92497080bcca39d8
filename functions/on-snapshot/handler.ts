import { z } from 'zod';
import { dispatchDepsFromEnv } from '#shared/exports/intake-env.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { OnSnapshotEnv } from './config.ts';
import { handleSnapshotEvent } from './intake.ts';

const deps = dispatchDepsFromEnv(parseEnv(OnSnapshotEnv));

// Any event reaches the intake, which logs a decision (skip with the reason) for what it cannot use.
export const handler = lambdaHandler({ what: 'on-snapshot event', input: z.unknown() }, async (event) =>
  handleSnapshotEvent(event, deps),
);
