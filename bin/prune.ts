import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { loadPolicyFile } from '#shared/policy/load.ts';
import { BucketName } from '#shared/policy/schema.ts';
import { exportBuckets, type PruneResult, prune } from '../functions/prune/prune.ts';
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
  const lines = [
    `${verb} ${result.exports.length} export(s): ${objects} objects, ${formatBytes(bytes)}; kept ${result.kept} (${result.sources} source(s))`,
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

  --dry-run            list what would be deleted, with sizes; delete nothing
  --policy             policy file (default: export-policy.yml): each rule's retention
  --json               print the result as one JSON object
  --bucket             the deployment's export bucket (default: env EXPORT_BUCKET); buckets the policy
                       names are allowed too, and nothing outside them is deleted
  --database-prefix    prefix of the pipeline's Glue databases (default: env GLUE_DATABASE_PREFIX, else rds_export_)
  --state-machine-arn  the export state machine (default: env STATE_MACHINE_ARN): exports still running or
                       registering are kept; required unless --dry-run`,
  options: {
    'dry-run': { type: 'boolean' },
    policy: { type: 'string' },
    json: { type: 'boolean' },
    bucket: { type: 'string' },
    'database-prefix': { type: 'string' },
    'state-machine-arn': { type: 'string' },
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
    const policy = loadPolicyFile(optionOrEnv(v, 'policy') ?? 'export-policy.yml');
    const result = await prune(
      {
        glue: new GlueClient({}),
        s3: new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' }),
        sfn: new SFNClient({}),
        policy,
        databasePrefix,
        buckets: exportBuckets(policy, bucket),
        ...(stateMachineArn === undefined ? {} : { stateMachineArn }),
        now: () => new Date(),
        onDelete: (what) => process.stderr.write(`deleting ${what.prefix} (${what.objects} objects)\n`),
      },
      dryRun,
    );
    return v.json === true ? JSON.stringify(result) : renderPrune(result);
  },
};
