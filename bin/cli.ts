import { parseArgs } from 'node:util';
import { PipelineError } from '#shared/contract/errors.ts';
import { type Command, ReportedFailure, UsageError } from './command.ts';
import { COMMANDS } from './commands.ts';

const EXIT =
  'Exit status: 0 done, 2 invalid input (the message names it), 1 an AWS or other failure (doctor: a check failed).';

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: rds-export <command> [options]   (rds-export <command> --help for its options)\n\n${lines.join('\n')}\n\n${EXIT}`;
}

const help = (command: Command) => `Usage: ${command.usage}\n\n${EXIT}`;

/** Input the user can fix (files, events, the policy, JSON, options) exits 2; AWS failures exit 1. */
function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return 2;
  return error instanceof PipelineError && ['InvalidInputError', 'PolicyError'].includes(error.name) ? 2 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? process.stderr : process.stdout).write(`${overview()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`rds-export: unknown command "${name}"\n\n${overview()}\n`);
    return 2;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
    });
    const count = parsed.positionals.length;
    const allowed = command.positionals ?? { min: 0, max: 0, name: '' };
    if (count < allowed.min || count > allowed.max) {
      throw new UsageError(
        allowed.max === 0
          ? `unexpected argument "${parsed.positionals.join(' ')}"`
          : `expects ${allowed.min === allowed.max ? allowed.min : `${allowed.min} to ${allowed.max}`} ${allowed.name}`,
      );
    }
  } catch (error) {
    process.stderr.write(`rds-export ${name}: ${(error as Error).message}\n\n${help(command)}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${help(command)}\n`);
    return 0;
  }
  try {
    const out = await command.run(parsed.values, parsed.positionals);
    if (out !== '') process.stdout.write(`${out}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ReportedFailure) {
      process.stdout.write(`${error.output}\n`);
      return 1;
    }
    const code = exitCodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    // One line that names the problem (the help is one --help away).
    process.stderr.write(`rds-export ${name}: ${message}\n`);
    return code;
  }
}

process.exitCode = await main(process.argv.slice(2));
