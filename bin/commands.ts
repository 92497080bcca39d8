import type { Command } from './command.ts';
import { planCommand } from './plan.ts';

/** Every `rds-export` command, by name. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  plan: planCommand,
};
