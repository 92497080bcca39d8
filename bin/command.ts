import type { ParseArgsConfig } from 'node:util';

/** A report that says something failed (e.g. `doctor`'s checks): printed on stdout, exit status 1. */
export class ReportedFailure extends Error {
  override readonly name = 'ReportedFailure';
  constructor(readonly output: string) {
    super('a check failed');
  }
}

/** Input the user must fix: exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One `rds-export <name>` command: its options, its help, and what it does with them. */
export interface Command {
  /** One line for the command list. */
  summary: string;
  /** The command's help: usage line(s), then the options. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Whether the command takes positional arguments (e.g. an export task identifier). */
  positionals?: { min: number; max: number; name: string };
  /** Prints the result on stdout; throws UsageError (2), or anything else (1, or 2 for bad input). */
  run(values: Values, positionals: string[]): Promise<string>;
}

/** A string option, or the environment variable, or undefined when both are empty. */
export function optionOrEnv(values: Values, option: string, variable?: string): string | undefined {
  const given = values[option];
  if (typeof given === 'string' && given.trim() !== '') return given;
  const env = variable === undefined ? undefined : process.env[variable];
  return env === undefined || env.trim() === '' ? undefined : env;
}
