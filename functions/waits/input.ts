import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { validate as isArn } from '@aws-sdk/util-arn-parser';
import { z } from 'zod';
import { MAX_CONCURRENT_GRAPH_EXPORTS, SourceKind } from '#shared/contract/execution.ts';

/**
 * The three ways the waits function is invoked, each validated at the edge:
 * - an RDS export-finished event (EventBridge; shared/sources/rds/events.ts EXPORT_ENDED_EVENTS): wake the
 *   execution waiting on that export;
 * - `wait-export` / `wait-slot` from a `.waitForTaskToken` state: park the execution's token;
 * - `release` from the state machine once an export ended: wake queued exports into free slots.
 */

/**
 * Powertools' EventBridgeSchema (the fields of every event; EventBridge User Guide, "Event structure
 * reference") narrowed to RDS's events. Not its EventBridgeEnvelope: the waits input is a
 * union of this event and the task inputs, and that envelope's module loads every built-in schema.
 */
export const ExportEvent = EventBridgeSchema.extend({
  source: z.literal('aws.rds'),
  detail: z.looseObject({ EventID: z.string(), SourceArn: z.string().optional() }),
});

const SourceArn = z
  .string()
  .refine(isArn, 'must be an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)');
/**
 * The export's source, whose account and Region own the slots (shared/aws/accounts.ts): absent
 * from a state of an execution started before the state machine sent it, whose slots are the
 * deployment's own.
 */
const SlotSource = { sourceArn: SourceArn.optional() };

/** What a waiting state hands the function: its token and the export's identity. */
const Parked = z.object({
  taskToken: z.string().min(1),
  exportTaskIdentifier: z.string().min(1),
});

export type ExportEvent = z.infer<typeof ExportEvent>;

export const WaitsInput = z.union([
  ExportEvent,
  Parked.extend({
    action: z.literal('wait-export'),
    sourceArn: SourceArn,
    /** When the execution last saw the task running (start-export's or check-export's checkedAt). */
    checkedAt: z.iso.datetime({ offset: true }),
  }),
  Parked.extend({
    action: z.literal('wait-slot'),
    /** When the export first queued: its place in the queue. */
    since: z.iso.datetime({ offset: true }),
    limit: z.number().int().min(1).max(MAX_CONCURRENT_GRAPH_EXPORTS),
    /** The export's source kind: it waits for a slot of its kind's pool (shared/sources/kinds, slots). */
    sourceKind: SourceKind,
    ...SlotSource,
  }),
  z.object({
    action: z.literal('release'),
    exportTaskIdentifier: z.string().min(1),
    /** The export's source kind: the slot goes back to its kind's pool. */
    sourceKind: SourceKind,
    ...SlotSource,
  }),
]);
export type WaitsInput = z.infer<typeof WaitsInput>;
