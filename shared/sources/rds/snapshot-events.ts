import { parse } from '@aws-lambda-powertools/parser';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { validate as isArn, parse as parseArn } from '@aws-sdk/util-arn-parser';
import { z } from 'zod';
import type { SnapshotType, SourceKind } from '#shared/contract/execution.ts';
import { formatIssues } from '#shared/runtime/validation.ts';
import { EXPORT_ENDED_EVENTS, eventOf, SNAPSHOT_CREATING_EVENTS, SNAPSHOT_READY_EVENTS } from './events.ts';

/**
 * Intake: which EventBridge events name a snapshot the pipeline may export. The RDS ones are told
 * apart by `detail.EventID` (shared/sources/rds/events.ts, the list serverless.yml's rule matches too).
 */

/** Events the pipeline receives by a broad rule or on purpose elsewhere, with why they are skipped. */
const KNOWN_SKIPS: ReadonlyMap<string, string> = new Map([
  ...SNAPSHOT_CREATING_EVENTS.map((e) => [e.id, `snapshot is still being created (${e.meaning})`] as const),
  ...EXPORT_ENDED_EVENTS.map((e) => [e.id, `export task event (${e.meaning}), not a new snapshot`] as const),
]);

const BACKUP_RESOURCE_TYPES = ['RDS', 'Aurora'];

/** An exportable snapshot named by an event. */
export interface SnapshotRef {
  kind: SourceKind;
  arn: string;
  /** Identifier as RDS knows it, e.g. `rds:orders-2024-05-01-06-10` or `awsbackup:job-<uuid>`. */
  snapshotIdentifier: string;
  snapshotType: SnapshotType;
  region: string;
  /** `RDS-EVENT-0042` ..., or `Backup Job State Change`. */
  trigger: string;
}

export type IntakeResult =
  | { action: 'describe'; snapshot: SnapshotRef }
  /** `invalid`: not an RDS / AWS Backup event at all, or a malformed one (the CLI rejects it). */
  | { action: 'skip'; reason: string; invalid?: true };

/**
 * The event as EventBridge delivers it: Powertools' EventBridgeSchema (version, id, source, account,
 * time, region, resources, detail-type: the fields of every event, EventBridge User Guide, "Event
 * structure reference"), with an object as detail. Not its EventBridgeEnvelope: that returns the
 * detail alone, and the intake needs source, region and resources too; its module also loads every
 * built-in schema (26 KB).
 */
const SnapshotEvent = EventBridgeSchema.extend({ detail: z.record(z.string(), z.unknown()) });

const RdsDetail = z.object({
  EventID: z.string(),
  SourceArn: z.string().optional(),
  SourceIdentifier: z.string().optional(),
});

const BackupDetail = z.object({
  state: z.string(),
  resourceType: z.string().optional(),
});

/** Snapshot type from the name: `rds:` automated, `awsbackup:job-` AWS Backup, anything else manual. */
export function snapshotTypeOf(snapshotIdentifier: string): SnapshotType {
  if (snapshotIdentifier.startsWith('rds:')) return 'automated';
  if (snapshotIdentifier.startsWith('awsbackup:job-')) return 'awsbackup';
  return 'manual';
}

/**
 * The resource types of a snapshot ARN, `arn:<partition>:rds:<region>:<account>:snapshot:<name>` and
 * `...:cluster-snapshot:<name>` (Amazon RDS User Guide, "Constructing an ARN for Amazon RDS").
 */
const SNAPSHOT_RESOURCE_TYPES: ReadonlyMap<string, SourceKind> = new Map([
  ['snapshot', 'db-snapshot'],
  ['cluster-snapshot', 'cluster-snapshot'],
]);

/** Parses a DB snapshot (`:snapshot:`) or cluster snapshot (`:cluster-snapshot:`) ARN. */
export function parseSnapshotArn(
  arn: string,
): { kind: SourceKind; region: string; account: string; snapshotIdentifier: string } | undefined {
  if (!isArn(arn)) return undefined;
  const { partition, service, region, accountId: account, resource } = parseArn(arn);
  const at = resource.indexOf(':');
  // The identifier keeps its own colons: `snapshot:rds:orders-2024-05-01-06-10`.
  const kind = at < 0 ? undefined : SNAPSHOT_RESOURCE_TYPES.get(resource.slice(0, at));
  const snapshotIdentifier = resource.slice(at + 1);
  if (
    partition === '' ||
    service !== 'rds' ||
    region === '' ||
    kind === undefined ||
    snapshotIdentifier === ''
  )
    return undefined;
  return { kind, region, account, snapshotIdentifier };
}

/** Where an event was emitted: its `region` and `account` (EventBridge User Guide, "Event structure reference"). */
type Origin = { region: string; account: string };

function refFromArn(arn: string, origin: Origin, trigger: string): IntakeResult {
  const parsed = parseSnapshotArn(arn);
  if (parsed === undefined) {
    return {
      action: 'skip',
      reason: `${trigger}: "${arn}" is not an RDS DB snapshot or cluster snapshot ARN`,
    };
  }
  const eventRegion = origin.region;
  // StartExportTask exports a snapshot from the Region it is called in; a snapshot elsewhere needs a copy.
  if (eventRegion !== parsed.region) {
    return {
      action: 'skip',
      reason: `${trigger}: snapshot ${arn} is in ${parsed.region}, the event came from ${eventRegion}; export the copy in ${eventRegion} instead`,
    };
  }
  // RDS and AWS Backup emit a snapshot's events in the account that owns it, and a forwarding rule
  // keeps the event's `account`: a snapshot of another account than the event's is not one this
  // event may export (a shared snapshot, or a malformed event), and the export would run there.
  if (origin.account !== parsed.account) {
    return {
      action: 'skip',
      reason: `${trigger}: snapshot ${arn} belongs to account ${parsed.account}, the event came from ${origin.account}; only the owning account's events export a snapshot`,
      invalid: true,
    };
  }
  const { account: _account, ...ref } = parsed;
  return {
    action: 'describe',
    snapshot: { ...ref, arn, snapshotType: snapshotTypeOf(parsed.snapshotIdentifier), trigger },
  };
}

/** Powertools' parser in safe mode: the data, or the reason naming each field that is wrong. */
function check<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): { ok: true; data: z.infer<S> } | { ok: false; reason: string } {
  const result = parse(value, undefined, schema, true);
  if (result.success) return { ok: true, data: result.data as z.infer<S> };
  // Without an envelope its ParseError's cause is the schema's issues: zod's own, via Standard Schema.
  const issues = result.error.cause as z.core.$ZodIssue[];
  return { ok: false, reason: formatIssues(new z.ZodError(issues), what) };
}

function fromRds(detail: unknown, origin: Origin, resources: string[]): IntakeResult {
  const d = check(RdsDetail, detail, 'malformed aws.rds event');
  if (!d.ok) return { action: 'skip', reason: d.reason, invalid: true };
  const eventId = d.data.EventID;
  if (eventOf(SNAPSHOT_READY_EVENTS, eventId) === undefined) {
    const known = KNOWN_SKIPS.get(eventId);
    return {
      action: 'skip',
      reason: `${eventId}: ${known ?? 'not a snapshot-created or snapshot-copied event'}`,
    };
  }
  const arn = d.data.SourceArn ?? resources[0];
  if (arn === undefined) return { action: 'skip', reason: `${eventId}: event names no snapshot ARN` };
  return refFromArn(arn, origin, eventId);
}

function fromBackup(detailType: string, detail: unknown, origin: Origin, resources: string[]): IntakeResult {
  if (detailType !== 'Backup Job State Change') {
    return {
      action: 'skip',
      reason: `aws.backup "${detailType}": only "Backup Job State Change" is handled`,
    } as const;
  }
  const d = check(BackupDetail, detail, 'malformed aws.backup event');
  if (!d.ok) return { action: 'skip', reason: d.reason, invalid: true } as const;
  if (d.data.state !== 'COMPLETED') {
    return { action: 'skip', reason: `AWS Backup job is ${d.data.state}, not COMPLETED` } as const;
  }
  const type = d.data.resourceType ?? '(none)';
  if (!BACKUP_RESOURCE_TYPES.includes(type)) {
    return { action: 'skip', reason: `AWS Backup job for resource type ${type}, not RDS or Aurora` } as const;
  }
  const arn = resources[0];
  if (arn === undefined)
    return { action: 'skip', reason: 'AWS Backup job event has no recovery point ARN in resources' } as const;
  return refFromArn(arn, origin, 'Backup Job State Change');
}

/** Decides whether an event names a snapshot to describe, or why it is skipped. Never throws. */
export function parseSnapshotEvent(event: unknown): IntakeResult {
  const envelope = check(SnapshotEvent, event, 'not an EventBridge event');
  if (!envelope.ok) return { action: 'skip', reason: envelope.reason, invalid: true };
  const { source, region, account, detail, resources } = envelope.data;
  const origin = { region, account };
  if (source === 'aws.rds') return fromRds(detail, origin, resources);
  if (source === 'aws.backup') return fromBackup(envelope.data['detail-type'], detail, origin, resources);
  return {
    action: 'skip',
    reason: `event source ${source} is neither aws.rds nor aws.backup`,
    invalid: true,
  };
}
