import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import { validate as isArn, parse as parseArn } from '@aws-sdk/util-arn-parser';
import type { z } from 'zod';
import {
  AccountsEnv,
  type Home,
  homeOf,
  isMember,
  safeScope,
  scopeKey,
  scopeOf,
} from '#shared/aws/accounts.ts';
import { classified } from '#shared/aws/classified.ts';
import type { SnapshotSource } from '#shared/contract/execution.ts';
import { exportLedger } from '#shared/exports/ledger.ts';
import { type DecideContext, type Decision, decide } from '#shared/policy/decide.ts';
import { loadPolicyFile } from '#shared/policy/load.ts';
import { SCHEDULE_KINDS, type Schedule, scheduleAccountId } from '#shared/policy/schedule.ts';
import type { Policy } from '#shared/policy/schema.ts';
import { BucketName, KmsKey, RoleArn } from '#shared/policy/schema.ts';
import { POOL_LIMIT } from '#shared/slots/items.ts';
import { addressOf } from '#shared/sources/kinds/registry/address.ts';
import { identityOf } from '#shared/sources/kinds/registry/identity.ts';
import { planOf } from '#shared/sources/kinds/registry/plan.ts';
import { slotsOf } from '#shared/sources/kinds/registry/slots.ts';
import type { KindPlan } from '#shared/sources/kinds/types.ts';
import { parseSnapshotEvent, type SnapshotRef } from '#shared/sources/rds/snapshot-events.ts';
import {
  type DescribedSnapshot,
  describeSnapshot,
  toDescribedSnapshot,
} from '#shared/sources/rds/snapshots.ts';
import { type Command, optionOrEnv, UsageError } from './command.ts';
import { unwrapOne } from './unwrap-one.ts';

export interface PlanOptions {
  eventFile?: string | undefined;
  /** A policy schedule: plan its slot `at` for the source of a file, or for every source it selects. */
  schedule?: string | undefined;
  /**
   * The file of one source, by the option that gave it (`cluster`: a DBCluster, `graph`: a GetGraph
   * output); it must be the option of the schedule's kind (its `plan`).
   */
  sourceFiles?: Record<string, string>;
  at?: Date | undefined;
  snapshotFile?: string;
  policyFile: string;
  bucket?: string;
  kmsKey?: string;
  role?: string;
  /** The role for graph rules that name none (--role, else GRAPH_EXPORT_ROLE_ARN). */
  graphRole?: string;
  stateMachineArn?: string;
  exportsTable?: string;
  /**
   * The hub's account and Region and the member stack's export role name: a source of another
   * account is planned as a member's (its export role, its account's folder and quota pool).
   */
  home?: Home;
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

async function described(
  ref: SnapshotRef,
  snapshotFile: string | undefined,
): Promise<DescribedSnapshot | string> {
  if (snapshotFile === undefined) {
    const result = await describeSnapshot(classified(new RDSClient({ region: ref.region }), 'rds'), ref);
    return result.found ? result.snapshot : result.reason;
  }
  // The DBSnapshot / DBClusterSnapshot itself, or a describe output holding exactly one.
  const snapshot = toDescribedSnapshot(
    unwrapOne(readJson(snapshotFile, 'snapshot'), snapshotFile, {
      file: 'snapshot',
      plural: 'snapshots',
      keys: ['DBSnapshots', 'DBClusterSnapshots'],
    }),
  );
  if (snapshot.source.arn.toLowerCase() !== ref.arn.toLowerCase()) {
    throw new UsageError(
      `snapshot file ${snapshotFile} describes ${snapshot.source.arn}, but the event names ${ref.arn}`,
    );
  }
  return snapshot;
}

type RecentExportLookup = NonNullable<DecideContext['recentExport']>;

/**
 * The read-only look at the ledger the interval guard needs, when the deployment is named: one per
 * command run, whose DynamoDB and Step Functions clients are made once for each source's Region.
 */
function readOnlyLedger(options: PlanOptions): RecentExportLookup | undefined {
  const { stateMachineArn, exportsTable } = options;
  if (stateMachineArn === undefined || exportsTable === undefined) return undefined;
  const ledgers = new Map<string | undefined, ReturnType<typeof exportLedger>>();
  const ledgerIn = (region: string | undefined) => {
    let ledger = ledgers.get(region);
    if (ledger === undefined) {
      ledger = exportLedger({
        dynamodb: classified(new DynamoDBClient(region === undefined ? {} : { region }), 'dynamodb'),
        sfn: classified(new SFNClient(region === undefined ? {} : { region }), 'sfn'),
        table: exportsTable,
        stateMachineArn,
        ...(options.home === undefined ? {} : { home: options.home }),
      });
      ledgers.set(region, ledger);
    }
    return ledger;
  };
  return async (source: SnapshotSource) => {
    const region = (isArn(source.arn) && parseArn(source.arn).region) || undefined;
    return (await ledgerIn(region).last(source)).recent;
  };
}

function decideFor(
  policy: Policy,
  source: SnapshotSource,
  tags: Record<string, string>,
  options: PlanOptions,
  recentExport: RecentExportLookup | undefined,
) {
  return decide(policy, source, {
    tags,
    destination: {
      bucket: options.bucket,
      kmsKey: options.kmsKey,
      role: options.role,
      graphRole: options.graphRole,
    },
    ...(options.at === undefined ? {} : { now: options.at }),
    ...(recentExport === undefined ? {} : { recentExport }),
    ...(options.home === undefined ? {} : { home: options.home }),
  });
}

/** Runs the policy on an event, or on a schedule's clusters, offline or with describe calls. */
export async function plan(options: PlanOptions): Promise<string> {
  checkOption(BucketName, options.bucket, '--bucket (or EXPORT_BUCKET)');
  checkOption(KmsKey, options.kmsKey, '--kms-key (or EXPORT_KMS_KEY_ARN)');
  checkOption(RoleArn, options.role, '--role (or EXPORT_ROLE_ARN)');
  checkOption(RoleArn, options.graphRole, '--role (or GRAPH_EXPORT_ROLE_ARN)');
  const recentExport = readOnlyLedger(options);
  if (options.schedule !== undefined) return planSchedule(options, options.schedule, recentExport);
  if (options.eventFile === undefined)
    throw new UsageError('--event <event.json> or --schedule <name> is required');
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
  const decision = await decideFor(policy, snapshot.source, snapshot.tags, options, recentExport);
  return render(decision, snapshot.source, options);
}

/** What the schedule decides at the slot `--at` (default now): for one source, or every one it selects. */
async function planSchedule(
  options: PlanOptions,
  name: string,
  recentExport: RecentExportLookup | undefined,
): Promise<string> {
  if (options.eventFile !== undefined) throw new UsageError('give --event or --schedule, not both');
  const policy = loadPolicyFile(options.policyFile);
  const schedule = policy.schedules.find((s) => s.name === name);
  if (schedule === undefined) {
    const known = policy.schedules.map((s) => s.name).join(', ') || 'none';
    throw new UsageError(`${options.policyFile} has no schedule "${name}" (its schedules: ${known})`);
  }
  const at = (options.at ?? new Date()).toISOString();
  const kind = planOf(schedule.select.kind);
  const other = Object.keys(options.sourceFiles ?? {}).find((option) => option !== kind.option);
  if (other !== undefined)
    throw new UsageError(
      `schedule "${schedule.name}" selects ${kind.plural}: give --${kind.option}, not --${other}`,
    );
  const file = options.sourceFiles?.[kind.option];
  return planSlot(options, policy, schedule, recentExport, kind, file, at);
}

/** The source of a `--cluster` / `--graph` file as the schedule's slot sees it, and whether it selects it. */
function sourceFromFile(kind: KindPlan, file: string, schedule: Schedule, at: string) {
  const item = unwrapOne(readJson(file, kind.option), file, {
    file: kind.option,
    plural: kind.plural,
    keys: kind.listKeys,
    notAnObject: kind.notAnObject,
  });
  try {
    return kind.fromFile(item, schedule, at);
  } catch (error) {
    throw new UsageError(`${kind.option} file ${file}: ${(error as Error).message}`);
  }
}

/**
 * Why the schedule does not list a source's account or Region, when it names them
 * (`select.accounts`, `select.regions`); undefined when it does, or names neither (the
 * deployment's own, which the plan does not know offline).
 */
function outsideScopes(schedule: Schedule, policy: Policy, arn: string | undefined): string | undefined {
  const scope = arn === undefined ? undefined : safeScope(arn);
  if (scope === undefined) return undefined;
  const { accounts, regions } = schedule.select;
  if (
    accounts !== undefined &&
    !accounts.some((e) => scheduleAccountId(e, policy.accounts) === scope.account)
  )
    return `its account ${scope.account} is not in the schedule's accounts (${accounts.join(', ')})`;
  if (regions !== undefined && !regions.includes(scope.region))
    return `its Region ${scope.region} is not in the schedule's regions (${regions.join(', ')})`;
  return undefined;
}

/** A schedule's slot: for the source of the file given, or for every source it selects. */
async function planSlot(
  options: PlanOptions,
  policy: Policy,
  schedule: Policy['schedules'][number],
  recentExport: RecentExportLookup | undefined,
  kind: KindPlan,
  file: string | undefined,
  at: string,
): Promise<string> {
  if (file !== undefined) {
    const { one, selected } = sourceFromFile(kind, file, schedule, at);
    if (!selected) {
      const reason = `schedule "${schedule.name}" does not select ${kind.option} ${one.source.sourceIdentifier} (${kind.criteria})`;
      return render({ action: 'skip', rule: null, reason }, one.source, options);
    }
    const outside = outsideScopes(schedule, policy, one.source.arn);
    if (outside !== undefined) {
      const reason = `schedule "${schedule.name}" does not select ${kind.option} ${one.source.sourceIdentifier}: ${outside}`;
      return render({ action: 'skip', rule: null, reason }, one.source, options);
    }
    return render(await decideFor(policy, one.source, one.tags, options, recentExport), one.source, options);
  }
  const clients = {
    rds: classified(new RDSClient({}), 'rds'),
    graphs: classified(new NeptuneGraphClient({}), 'neptune-graph'),
  };
  const listed = await kind.all(clients, schedule, at);
  const decisions = await Promise.all(
    listed.map(async (s) => ({
      source: s.source,
      decision: await decideFor(policy, s.source, s.tags, options, recentExport),
    })),
  );
  if (options.json)
    return JSON.stringify(
      decisions.map((d) => ({ source: d.source.sourceIdentifier, ...planJson(d.decision) })),
    );
  // The listing is the caller's account and Region: another account's clusters need its role,
  // which on-schedule assumes and the plan does not.
  const elsewhere =
    schedule.select.accounts !== undefined || schedule.select.regions !== undefined
      ? `\n\nSchedule "${schedule.name}" names accounts or Regions (select.accounts, select.regions): this plan lists the credentials' account and Region only; give --${kind.option} <file> for a source of another.`
      : '';
  if (decisions.length === 0)
    return `Schedule "${schedule.name}" selects no ${kind.option} in this account and Region.${elsewhere}`;
  return decisions.map((d) => render(d.decision, d.source, options)).join('\n\n') + elsewhere;
}

function planJson(decision: Decision): Record<string, unknown> {
  const out: Record<string, unknown> = {
    action: decision.action,
    rule: decision.rule,
    reason: decision.reason,
  };
  if (decision.action === 'export') {
    out.exportTaskIdentifier = decision.job.exportTaskIdentifier;
    out.request = decision.job.request;
  }
  return out;
}

/**
 * Where the export runs and writes, and whose slots it waits for: the source's account and Region
 * (a member's or the deployment's own), its folder, and its pool, per account and Region for RDS.
 */
function placement(job: Extract<Decision, { action: 'export' }>['job'], home: Home | undefined): string[] {
  const scope = scopeOf(job.source.arn);
  const whose =
    home?.account === undefined
      ? ''
      : isMember(scope, home)
        ? job.accountName === undefined
          ? ' (member account)'
          : ` (member account "${job.accountName}")`
        : " (the deployment's own)";
  const root = addressOf(job.source.kind).root(job.exportTaskIdentifier, job.request);
  const pool = slotsOf(job.source.kind).pool;
  const shared = scopeKey(scope, home ?? {}) ?? 'the deployment';
  return [
    `Account:   ${scope.account}, ${scope.region}${whose}`,
    `Destination: s3://${root.bucket}/${root.prefix}`,
    `Quota pool: ${pool} exports of ${shared === 'the deployment' ? "the deployment's account and Region" : shared}, at most ${POOL_LIMIT[pool]} at once`,
  ];
}

function render(decision: Decision, source: SnapshotSource | undefined, options: PlanOptions): string {
  if (options.json) return JSON.stringify(planJson(decision));
  const lines = [
    `Decision:  ${decision.action.toUpperCase()}${decision.rule === null ? ' (no rule)' : ` (rule "${decision.rule}")`}`,
    `Reason:    ${decision.reason}`,
  ];
  if (decision.action === 'skip' && decision.alert) lines.push('Alert:     yes, operators would be notified');
  if (source !== undefined) {
    const size = source.sizeGB === undefined ? 'size unknown' : `${source.sizeGB} GB`;
    const what = source.snapshotType ?? `schedule ${source.schedule}, slot ${source.scheduledTime}`;
    const label = identityOf(source.kind).label;
    lines.push(
      `${label.padEnd(11)}${source.arn}`,
      `           ${source.kind}, ${what}, ${source.engine}, ${size}, from ${source.sourceIdentifier}`,
    );
  }
  if (decision.action === 'export') {
    const { job } = decision;
    lines.push(`Export task identifier: ${job.exportTaskIdentifier}`, ...placement(job, options.home));
    const kind = identityOf(job.source.kind);
    const api = kind.api;
    lines.push(`${api} request:\n${JSON.stringify(job.request, null, 2).replace(/^/gm, '  ')}`);
    lines.push(
      `Limits:    at most ${job.limits.maxConcurrentExports} concurrent exports; alert after ${job.limits.queueAlertAfterSeconds / 60} min queued`,
    );
    lines.push(`Estimated cost: ${kind.estimate(job.source)}`);
  }
  return lines.join('\n');
}

/** Each scheduled kind's file option (`--cluster`, `--graph`): its `plan`. */
const SCHEDULED = SCHEDULE_KINDS.map(planOf);
const OPTION_COLUMN = 23;
const optionHelp = (name: string, lines: readonly string[]) =>
  [
    `  --${name}`.padEnd(OPTION_COLUMN) + (lines[0] ?? ''),
    ...lines.slice(1).map((l) => ' '.repeat(OPTION_COLUMN) + l),
  ].join('\n');

export const planCommand: Command = {
  summary:
    'what the export policy decides for a snapshot event or a schedule slot, without starting anything',
  usage: `rds-export plan --event <event.json> [--snapshot <snapshot.json>] [options]
${SCHEDULED.map((k) => `       rds-export plan --schedule <name> [--${k.option} <${k.option}.json>] [--at <ISO time>] [options]`).join('\n')}

  --event              EventBridge event (aws.rds snapshot event or aws.backup Backup Job State Change)
  --snapshot           DBSnapshot / DBClusterSnapshot JSON as describe-db-snapshots prints it (works offline);
                       without it the snapshot is described through the AWS SDK
  --schedule           a schedule of the policy: what it decides at one slot
${SCHEDULED.map((k) => optionHelp(k.option, k.help)).join('\n')}
  --at                 the slot's scheduled time (default: now)
  --policy             policy file (default: export-policy.yml)
  --json               print one JSON object: action, rule, reason, exportTaskIdentifier, request
                       (an array of them, each with its source, for a schedule without ${SCHEDULED.map((k) => `--${k.option}`).join(' or ')})
  --bucket, --kms-key, --role
                       destination for rules that name none (default: env EXPORT_BUCKET, EXPORT_KMS_KEY_ARN, EXPORT_ROLE_ARN;
                       GRAPH_EXPORT_ROLE_ARN for graph rules)
  --state-machine-arn, --exports-table
                       check minIntervalHours against the deployment's record of each source's last
                       export (default: env STATE_MACHINE_ARN, EXPORTS_TABLE)
  --hub-account, --hub-region, --member-export-role-name
                       plan as the hub of an Organization does (default: env DEPLOYMENT_ACCOUNT_ID,
                       AWS_REGION, MEMBER_EXPORT_ROLE_NAME): a member account's snapshot exports with
                       its export role, under its account's folder, in its own quota pool; give its
                       --snapshot file, or run with that account's credentials`,
  options: {
    event: { type: 'string' },
    snapshot: { type: 'string' },
    schedule: { type: 'string' },
    ...Object.fromEntries(SCHEDULED.map((k) => [k.option, { type: 'string' as const }])),
    at: { type: 'string' },
    policy: { type: 'string' },
    json: { type: 'boolean' },
    bucket: { type: 'string' },
    'kms-key': { type: 'string' },
    role: { type: 'string' },
    'state-machine-arn': { type: 'string' },
    'exports-table': { type: 'string' },
    'hub-account': { type: 'string' },
    'hub-region': { type: 'string' },
    'member-export-role-name': { type: 'string' },
  },
  async run(v) {
    const atText = optionOrEnv(v, 'at');
    const at = atText === undefined ? undefined : new Date(atText);
    if (at !== undefined && Number.isNaN(at.getTime()))
      throw new UsageError(`--at "${atText}": not an ISO 8601 time`);
    const schedule = optionOrEnv(v, 'schedule');
    const sourceFiles: Record<string, string> = {};
    for (const { option } of SCHEDULED) {
      const file = optionOrEnv(v, option);
      if (file === undefined) continue;
      if (schedule === undefined) throw new UsageError(`--${option} needs --schedule`);
      sourceFiles[option] = file;
    }
    return plan({
      eventFile: optionOrEnv(v, 'event'),
      snapshotFile: optionOrEnv(v, 'snapshot'),
      schedule,
      sourceFiles,
      at,
      policyFile: optionOrEnv(v, 'policy') ?? 'export-policy.yml',
      bucket: optionOrEnv(v, 'bucket', 'EXPORT_BUCKET'),
      kmsKey: optionOrEnv(v, 'kms-key', 'EXPORT_KMS_KEY_ARN'),
      role: optionOrEnv(v, 'role', 'EXPORT_ROLE_ARN'),
      graphRole: optionOrEnv(v, 'role', 'GRAPH_EXPORT_ROLE_ARN'),
      stateMachineArn: optionOrEnv(v, 'state-machine-arn', 'STATE_MACHINE_ARN'),
      exportsTable: optionOrEnv(v, 'exports-table', 'EXPORTS_TABLE'),
      home: hubOf(v),
      json: v.json === true,
    });
  },
};

/** The hub of `plan`'s options (or the deployment's environment), checked as the functions check it. */
function hubOf(v: Parameters<Command['run']>[0]): Home | undefined {
  const result = AccountsEnv.safeParse({
    DEPLOYMENT_ACCOUNT_ID: optionOrEnv(v, 'hub-account', 'DEPLOYMENT_ACCOUNT_ID'),
    AWS_REGION: optionOrEnv(v, 'hub-region', 'AWS_REGION'),
    MEMBER_EXPORT_ROLE_NAME: optionOrEnv(v, 'member-export-role-name', 'MEMBER_EXPORT_ROLE_NAME'),
  });
  if (!result.success) {
    const issue = result.error.issues[0];
    const option = {
      DEPLOYMENT_ACCOUNT_ID: '--hub-account',
      MEMBER_EXPORT_ROLE_NAME: '--member-export-role-name',
    }[String(issue?.path[0])];
    throw new UsageError(`${option ?? '--hub-region'}: ${issue?.message ?? 'invalid'}`);
  }
  const home = homeOf(result.data);
  return home.account === undefined ? undefined : home;
}
