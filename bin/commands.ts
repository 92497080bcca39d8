import type { Command } from './command.ts';
import { accountsCommand } from './ops/accounts-command.ts';
import { backfillCommand } from './ops/backfill.ts';
import { cancelCommand } from './ops/cancel.ts';
import { doctorCommand } from './ops/doctor-command.ts';
import { listCommand } from './ops/list.ts';
import { retryCommand } from './ops/retry.ts';
import { statusCommand } from './ops/status.ts';
import { planCommand } from './plan.ts';
import { pruneCommand } from './prune.ts';

/** Every `rds-export` command, by name. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  plan: planCommand,
  prune: pruneCommand,
  status: statusCommand,
  list: listCommand,
  cancel: cancelCommand,
  retry: retryCommand,
  backfill: backfillCommand,
  doctor: doctorCommand,
  accounts: accountsCommand,
};
