import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { z } from 'zod';
import { parseSnapshotEvent, type SnapshotRef } from '#shared/events.ts';
import { exportLedger } from '#shared/export-ledger.ts';
import type { SnapshotSource } from '#shared/machine-contract.ts';
import { type Decision, decide } from '#shared/policy/decide.ts';
import { loadPolicyFile } from '#shared/policy/load.ts';
import { BucketName, KmsKey, RoleArn } from '#shared/policy/schema.ts';
import { type DescribedSnapshot, describeSnapshot, toDescribedSnapshot } from '#shared/snapshots.ts';
import { type Command, optionOrEnv, UsageError } from './command.ts';

export interface PlanOptions {
  eventFile: string;
  snapshotFile?: string;
  policyFile: string;
  bucket?: string;
  kmsKey?: string;
  role?: string;
  stateMachineArn?: string;
  exportsTable?: string;
  json: boolean;
}

/** Checks a destination option with the policy's own rule: one line that names the option. */
function checkOption(schema: z.ZodType, value: string | undefined, option: string): void {
  if (value === undefined) return;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new UsageError(`${option} "${value}": ${result.error.issues[0]?.message ?? 'invalid'}`);
  }
}

/** Export pricing is per GB of the whole snapshot; about $0.010/GB in us-east-1 and Region-dependent. */
const USD_PER_GB = 0.01;

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Accepts the DBSnapshot / DBClusterSnapshot itself or a describe output holding exactly one. */
function unwrapSnapshot(json: unknown, path: string): unknown {
  if (json !== null && typeof json === 'object') {
    const list =
      (json as Record<string, unknown>).DBSnapshots ?? (json as Record<string, unknown>).DBClusterSnapshots;
    if (Array.isArray(list)) {
      if (list.length !== 1)
        throw new UsageError(`snapshot file ${path} lists ${list.length} snapshots; expected one`);
      return list[0];
    }
  }
  return json;
}

async function described(
  ref: SnapshotRef,
  snapshotFile: string | undefined,
): Promise<DescribedSnapshot | string> {
  if (snapshotFile === undefined) {
    const result = await describeSnapshot(new RDSClient({ region: ref.region }), ref);
    return result.found ? result.snapshot : result.reason;
  }
  const snapshot = toDescribedSnapshot(unwrapSnapshot(readJson(snapshotFile, 'snapshot'), snapshotFile));
  if (snapshot.source.arn.toLowerCase() !== ref.arn.toLowerCase()) {
    throw new UsageError(
      `snapshot file ${snapshotFile} describes ${snapshot.source.arn}, but the event names ${ref.arn}`,
    );
  }
  return snapshot;
}

/** Runs the policy on an event offline (or with describe calls) and renders the decision. */
export async function plan(options: PlanOptions): Promise<string> {
  checkOption(BucketName, options.bucket, '--bucket (or EXPORT_BUCKET)');
  checkOption(KmsKey, options.kmsKey, '--kms-key (or EXPORT_KMS_KEY_ARN)');
  checkOption(RoleArn, options.role, '--role (or EXPORT_ROLE_ARN)');
  const event = readJson(options.eventFile, 'event');
  const intake = parseSnapshotEvent(event);
  if (intake.action === 'skip' && intake.invalid) {
    throw new UsageError(`${options.eventFile} is not an RDS or AWS Backup snapshot event: ${intake.reason}`);
  }
  const policy = loadPolicyFile(options.policyFile);
  if (intake.action === 'skip')
    return render({ action: 'skip', rule: null, reason: intake.reason }, undefined, options);

  const snapshot = await described(intake.snapshot, options.snapshotFile);
  if (typeof snapshot === 'string')
    return render({ action: 'skip', rule: null, reason: snapshot, alert: true }, undefined, options);
  const { stateMachineArn, exportsTable } = options;
  const region = intake.snapshot.region;
  // Read-only: the plan looks at the ledger, it records nothing.
  const ledger =
    stateMachineArn === undefined || exportsTable === undefined
      ? undefined
      : exportLedger({
          dynamodb: new DynamoDBClient({ region }),
          sfn: new SFNClient({ region }),
          table: exportsTable,
          stateMachineArn,
        });
  const decision = await decide(policy, snapshot.source, {
    tags: snapshot.tags,
    destination: { bucket: options.bucket, kmsKey: options.kmsKey, role: options.role },
    ...(ledger === undefined ? {} : { recentExport: async (s) => (await ledger.last(s)).recent }),
  });
  return render(decision, snapshot.source, options);
}

function render(decision: Decision, source: SnapshotSource | undefined, options: PlanOptions): string {
  if (options.json) {
    const out: Record<string, unknown> = {
      action: decision.action,
      rule: decision.rule,
      reason: decision.reason,
    };
    if (decision.action === 'export') {
      out.exportTaskIdentifier = decision.job.exportTaskIdentifier;
      out.request = decision.job.request;
    }
    return JSON.stringify(out);
  }
  const lines = [
    `Decision:  ${decision.action.toUpperCase()}${decision.rule === null ? ' (no rule)' : ` (rule "${decision.rule}")`}`,
    `Reason:    ${decision.reason}`,
  ];
  if (decision.action === 'skip' && decision.alert) lines.push('Alert:     yes, operators would be notified');
  if (source !== undefined) {
    const size = source.sizeGB === undefined ? 'size unknown' : `${source.sizeGB} GB`;
    lines.push(
      `Snapshot:  ${source.arn}`,
      `           ${source.kind}, ${source.snapshotType}, ${source.engine}, ${size}, from ${source.sourceIdentifier}`,
    );
  }
  if (decision.action === 'export') {
    const { job } = decision;
    lines.push(`Export task identifier: ${job.exportTaskIdentifier}`);
    lines.push(`StartExportTask request:\n${JSON.stringify(job.request, null, 2).replace(/^/gm, '  ')}`);
    lines.push(
      `Limits:    at most ${job.limits.maxConcurrentExports} concurrent exports; alert after ${job.limits.queueAlertAfterSeconds / 60} min queued`,
    );
    if (source?.sizeGB !== undefined) {
      const cost = (source.sizeGB * USD_PER_GB).toFixed(2);
      lines.push(
        `Estimated cost: ~$${cost} (estimate: ${source.sizeGB} GB x $0.010/GB; charged on the whole snapshot, price varies by Region)`,
      );
    } else {
      lines.push('Estimated cost: unknown (the snapshot size is unknown)');
    }
  }
  return lines.join('\n');
}

export const planCommand: Command = {
  summary: 'what the export policy decides for a snapshot event, without starting anything',
  usage: `rds-export plan --event <event.json> [--snapshot <snapshot.json>] [--policy <file>] [--json]
                 [--bucket <name>] [--kms-key <arn>] [--role <arn>]
                 [--state-machine-arn <arn> --exports-table <name>]

  --event              EventBridge event (aws.rds snapshot event or aws.backup Backup Job State Change)
  --snapshot           DBSnapshot / DBClusterSnapshot JSON as describe-db-snapshots prints it (works offline);
                       without it the snapshot is described through the AWS SDK
  --policy             policy file (default: export-policy.yml)
  --json               print one JSON object: action, rule, reason, exportTaskIdentifier, request
  --bucket, --kms-key, --role
                       destination for rules that name none (default: env EXPORT_BUCKET, EXPORT_KMS_KEY_ARN, EXPORT_ROLE_ARN)
  --state-machine-arn, --exports-table
                       check minIntervalHours against the deployment's record of each source's last
                       export (default: env STATE_MACHINE_ARN, EXPORTS_TABLE)`,
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
  },
  async run(v) {
    const eventFile = optionOrEnv(v, 'event');
    if (eventFile === undefined) throw new UsageError('--event <event.json> is required');
    return plan({
      eventFile,
      snapshotFile: optionOrEnv(v, 'snapshot'),
      policyFile: optionOrEnv(v, 'policy') ?? 'export-policy.yml',
      bucket: optionOrEnv(v, 'bucket', 'EXPORT_BUCKET'),
      kmsKey: optionOrEnv(v, 'kms-key', 'EXPORT_KMS_KEY_ARN'),
      role: optionOrEnv(v, 'role', 'EXPORT_ROLE_ARN'),
      stateMachineArn: optionOrEnv(v, 'state-machine-arn', 'STATE_MACHINE_ARN'),
      exportsTable: optionOrEnv(v, 'exports-table', 'EXPORTS_TABLE'),
      json: v.json === true,
    });
  },
};
