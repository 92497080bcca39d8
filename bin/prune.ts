import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { exportBuckets, type PruneResult, prune } from '#functions/prune/prune.ts';
import { classified } from '#shared/aws/classified.ts';
import { exportBucketsS3Config, SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { loadPolicyFile } from '#shared/policy/load.ts';
import { BucketName } from '#shared/policy/schema.ts';
import { type Command, optionOrEnv, UsageError } from './command.ts';

/** 1536 → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function renderPrune(result: PruneResult): string {
  const verb = result.dryRun ? 'Would delete' : 'Deleted';
  const bytes = result.exports.reduce((n, e) => n + e.bytes, 0);
  const objects = result.exports.reduce((n, e) => n + e.objects, 0);
  const refused = result.refused > 0 ? `; ${result.refused} left alone, see the notes` : '';
  const cut = result.complete ? '' : '; stopped before the time limit, see the notes';
  const lines = [
    `${verb} ${result.exports.length} export(s): ${objects} objects, ${formatBytes(bytes)}; kept ${result.kept} (${result.sources} source(s))${refused}${cut}`,
  ];
  for (const e of result.exports) {
    lines.push(
      `  ${e.database}  ${e.exportTaskIdentifier}  ${e.snapshotTime}  rule ${e.rule}  ${e.objects} objects  ${formatBytes(e.bytes)}  ${e.partitions} partition(s)`,
    );
    for (const p of e.prefixes) lines.push(`    ${p}`);
  }
  for (const note of result.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

export const pruneCommand: Command = {
  summary: "delete the exports beyond each rule's retention (S3 prefixes and history partitions)",
  usage: `rds-export prune [--dry-run] [--policy <file>] [--json]
                  [--bucket <name>] [--database-prefix <prefix>] [--state-machine-arn <arn>]
                  [--exports-table <name>] [--account <glob>] [--source-region <glob>]

  --dry-run            list what would be deleted, with sizes; delete nothing
  --policy             policy file (default: export-policy.yml): each rule's retention
  --json               print the result as one JSON object
  --bucket             the deployment's export bucket (default: env EXPORT_BUCKET); buckets the policy
                       names are allowed too, and nothing outside them is deleted
  --database-prefix    prefix of the pipeline's Glue databases (default: env GLUE_DATABASE_PREFIX, else rds_export_)
  --state-machine-arn  the export state machine (default: env STATE_MACHINE_ARN): an export is deleted only
                       where its execution says it was started, and never while it runs; required unless --dry-run
  --exports-table      the deployment's DynamoDB table (default: env EXPORTS_TABLE): where an export is
                       recorded once Step Functions no longer has its execution (90 days after it ends);
                       without it such exports are left alone
  --account            only the exports of sources in these accounts (glob on the 12-digit ID): a hub's
                       member's, or its own; the others are kept. Each export's source is the one its
                       execution's job names (its ARN), or once the execution is gone, the account of the
                       folder the ledger recorded (a member's is <account>/…). Needs --state-machine-arn
  --source-region      only the exports of sources in these Regions (glob; --region is not this), by the
                       ARN the execution's job names: an export whose execution is gone is kept.
                       Needs --state-machine-arn

  Every version of every object under an export's prefix is deleted (DeleteObjects with VersionId), so a
  versioned bucket keeps no noncurrent versions or delete markers of a pruned export.`,
  options: {
    'dry-run': { type: 'boolean' },
    policy: { type: 'string' },
    json: { type: 'boolean' },
    bucket: { type: 'string' },
    'database-prefix': { type: 'string' },
    'state-machine-arn': { type: 'string' },
    'exports-table': { type: 'string' },
    account: { type: 'string' },
    'source-region': { type: 'string' },
  },
  async run(v) {
    const dryRun = v['dry-run'] === true;
    const bucket = optionOrEnv(v, 'bucket', 'EXPORT_BUCKET');
    if (bucket === undefined) throw new UsageError('--bucket <name> (or EXPORT_BUCKET) is required');
    const checked = BucketName.safeParse(bucket);
    if (!checked.success) {
      throw new UsageError(
        `--bucket (or EXPORT_BUCKET) "${bucket}": ${checked.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
    const stateMachineArn = optionOrEnv(v, 'state-machine-arn', 'STATE_MACHINE_ARN');
    if (stateMachineArn === undefined && !dryRun) {
      throw new UsageError(
        '--state-machine-arn <arn> (or STATE_MACHINE_ARN) is required to delete: exports still running are kept',
      );
    }
    const databasePrefix = optionOrEnv(v, 'database-prefix', 'GLUE_DATABASE_PREFIX') ?? 'rds_export_';
    if (!/^[a-z0-9_]*$/.test(databasePrefix)) {
      throw new UsageError(`--database-prefix "${databasePrefix}": must be lowercase letters, digits and _`);
    }
    const table = optionOrEnv(v, 'exports-table', 'EXPORTS_TABLE');
    // DynamoDB developer guide, "Supported data types and naming rules in Amazon DynamoDB".
    if (table !== undefined && !/^[a-zA-Z0-9_.-]{3,255}$/.test(table)) {
      throw new UsageError(
        `--exports-table (or EXPORTS_TABLE) "${table}": must be a DynamoDB table name (3-255 letters, digits, _ . -)`,
      );
    }
    const account = optionOrEnv(v, 'account');
    const region = optionOrEnv(v, 'source-region');
    // Globs of the characters account IDs and Region names hold: a typo is refused, not matched against nothing.
    if (account !== undefined && !/^[0-9*?]{1,12}$/.test(account))
      throw new UsageError(`--account "${account}": a 12-digit account ID, or a glob of one (1111*)`);
    if (region !== undefined && !/^[a-z0-9*?-]{1,32}$/.test(region))
      throw new UsageError(`--source-region "${region}": a Region name, or a glob of one (eu-*)`);
    if ((account !== undefined || region !== undefined) && stateMachineArn === undefined) {
      throw new UsageError(
        "--account and --source-region need --state-machine-arn <arn> (or STATE_MACHINE_ARN): an export's source is the one its execution names",
      );
    }
    const only = {
      ...(account === undefined ? {} : { account }),
      ...(region === undefined ? {} : { region }),
    };
    const policy = loadPolicyFile(optionOrEnv(v, 'policy') ?? 'export-policy.yml');
    const ledger =
      table === undefined
        ? {}
        : { ledger: { dynamodb: classified(new DynamoDBClient(SDK_CLIENT_CONFIG), 'dynamodb'), table } };
    const result = await prune(
      {
        // Errors are the pipeline's classified ones (shared/aws/classified.ts), naming the call.
        glue: classified(new GlueClient(SDK_CLIENT_CONFIG), 'glue'),
        s3: classified(new S3Client(exportBucketsS3Config(process.env.S3_FORCE_PATH_STYLE === 'true')), 's3'),
        ...(stateMachineArn === undefined
          ? {}
          : {
              ownership: {
                sfn: classified(new SFNClient(SDK_CLIENT_CONFIG), 'sfn'),
                stateMachineArn,
                ...ledger,
              },
            }),
        policy,
        databasePrefix,
        ...(account === undefined && region === undefined ? {} : { only }),
        buckets: exportBuckets(policy, bucket),
        now: () => new Date(),
        onDelete: (what) => process.stderr.write(`deleting ${what.prefix} (${what.objects} objects)\n`),
        onRefuse: (what) =>
          process.stderr.write(`leaving ${what.exportTaskIdentifier} alone: ${what.reason}\n`),
      },
      dryRun,
    );
    return v.json === true ? JSON.stringify(result) : renderPrune(result);
  },
};
