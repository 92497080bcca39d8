import { parseArgs } from 'node:util';
import { PipelineError } from '#shared/errors.ts';
import { type PlanOptions, plan, UsageError } from './plan.ts';

const USAGE = `Usage: rds-export plan --event <event.json> [--snapshot <snapshot.json>] [--policy <file>] [--json]
                        [--bucket <name>] [--kms-key <arn>] [--role <arn>]
                        [--state-machine-arn <arn> --exports-table <name>]

Shows what the export policy decides for a snapshot event, without starting anything.

  --event              EventBridge event (aws.rds snapshot event or aws.backup Backup Job State Change)
  --snapshot           DBSnapshot / DBClusterSnapshot JSON as describe-db-snapshots prints it (works offline);
                       without it the snapshot is described through the AWS SDK
  --policy             policy file (default: export-policy.yml)
  --json               print one JSON object: action, rule, reason, exportTaskIdentifier, request
  --bucket, --kms-key, --role
                       destination for rules that name none (default: env EXPORT_BUCKET, EXPORT_KMS_KEY_ARN, EXPORT_ROLE_ARN)
  --state-machine-arn, --exports-table
                       check minIntervalHours against the deployment's record of each source's last
                       export (default: env STATE_MACHINE_ARN, EXPORTS_TABLE)

Exit status: 0 a decision (export or skip), 2 invalid input, 1 any other failure.`;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    process.stderr.write(`rds-export: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, ...rest] = parsed.positionals;
  if (command !== 'plan' || rest.length > 0) {
    const problem =
      command === undefined ? 'missing command' : `unknown command "${[command, ...rest].join(' ')}"`;
    process.stderr.write(`rds-export: ${problem}\n\n${USAGE}\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.event === undefined) {
    process.stderr.write(`rds-export plan: --event <event.json> is required\n\n${USAGE}\n`);
    return 2;
  }
  const options: PlanOptions = {
    eventFile: v.event,
    snapshotFile: v.snapshot,
    policyFile: v.policy ?? 'export-policy.yml',
    bucket: v.bucket ?? nonEmpty(process.env.EXPORT_BUCKET),
    kmsKey: v['kms-key'] ?? nonEmpty(process.env.EXPORT_KMS_KEY_ARN),
    role: v.role ?? nonEmpty(process.env.EXPORT_ROLE_ARN),
    stateMachineArn: v['state-machine-arn'] ?? nonEmpty(process.env.STATE_MACHINE_ARN),
    exportsTable: v['exports-table'] ?? nonEmpty(process.env.EXPORTS_TABLE),
    json: v.json ?? false,
  };
  try {
    process.stdout.write(`${await plan(options)}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`rds-export plan: ${message}\n`);
    // Input the user can fix (files, event, policy, snapshot JSON) is a usage error; AWS failures are not.
    const invalidInput =
      error instanceof UsageError ||
      (error instanceof PipelineError && ['InvalidInputError', 'PolicyError'].includes(error.name));
    return invalidInput ? 2 : 1;
  }
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      event: { type: 'string' },
      snapshot: { type: 'string' },
      policy: { type: 'string' },
      json: { type: 'boolean' },
      bucket: { type: 'string' },
      'kms-key': { type: 'string' },
      role: { type: 'string' },
      'state-machine-arn': { type: 'string' },
      'exports-table': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

process.exitCode = await main(process.argv.slice(2));
