import { z } from 'zod';
import { homeOf } from '#shared/aws/accounts.ts';
import { dispatchDepsFromEnv } from '#shared/exports/intake-env.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { sourceAccounts } from '#shared/sources/rds/clients.ts';
import { OnSnapshotEnv } from './config.ts';
import { handleSnapshotEvent } from './intake.ts';

const env = parseEnv(OnSnapshotEnv);
// A member account's snapshot is described in its account, through its role (shared/aws/accounts.ts).
const accounts = sourceAccounts(homeOf(env));
const deps = { ...dispatchDepsFromEnv(env), rds: accounts.own, accounts };

// Any event reaches the intake, which logs a decision (skip with the reason) for what it cannot use.
export const handler = lambdaHandler({ what: 'on-snapshot event', input: z.unknown() }, async (event) =>
  handleSnapshotEvent(event, deps),
);
