import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';
import { truncateText } from '../contract/payload.ts';
import type { Notification } from './notification.ts';

/**
 * The SNS message body, version 1. Subscribers parse `Message` as JSON and may rely on:
 *
 * ```
 * { "version": 1, "kind": "completed", "severity": "info", "title": "...", "source": "orders-db",
 *   "snapshotArn"?, "exportTaskIdentifier"?, "executionId"?, "destination"?, "sizeGB"?, "durationSeconds"?,
 *   "cause"?, "fix"?, "registeredTables"?, "skippedTables"?, "failedTables"?, "schemaChanges"?, "details"?,
 *   "truncated"?: { "registeredTables"?: <total>, "skippedTables"?: <total>, "failedTables"?: <total>,
 *                   "schemaChanges"?: <total> } }
 * ```
 *
 * Fields are only ever added; a breaking change bumps `version`. Message attributes (String):
 * `status` = kind, `source`, `severity`, so subscription filter policies can select on them.
 */
export const MESSAGE_VERSION = 1;

export type NotificationMessage = Notification & {
  version: typeof MESSAGE_VERSION;
  /** Present when table lists were cut to fit SNS's message size: the full count per list. */
  truncated?: Partial<Record<TableList, number>>;
};

type TableList = 'registeredTables' | 'skippedTables' | 'failedTables' | 'schemaChanges';
const TABLE_LISTS: readonly TableList[] = [
  'registeredTables',
  'skippedTables',
  'failedTables',
  'schemaChanges',
];

/** SNS accepts 256 KiB for body and attributes together; keep a margin for the attributes. */
export const MAX_MESSAGE_BYTES = 240 * 1024;
/** SNS: "must be less than 100 characters", ASCII, no line breaks or control characters. */
export const MAX_SUBJECT_CHARS = 99;

/** The SNS body: the notification plus `version`, table lists cut (and counted) when too large. */
export function toMessage(n: Notification): NotificationMessage {
  const full: NotificationMessage = { version: MESSAGE_VERSION, ...n };
  if (byteLength(full) <= MAX_MESSAGE_BYTES) return full;

  const longest = Math.max(...TABLE_LISTS.map((key) => n[key]?.length ?? 0));
  for (let keep = Math.floor(longest / 2); keep > 0; keep = Math.floor(keep / 2)) {
    const truncated: Partial<Record<TableList, number>> = {};
    const cut: NotificationMessage = { ...full, truncated };
    for (const key of TABLE_LISTS) {
      const list = n[key];
      if (list !== undefined && list.length > keep) {
        cut[key] = list.slice(0, keep);
        truncated[key] = list.length;
      }
    }
    if (byteLength(cut) <= MAX_MESSAGE_BYTES) return cut;
  }
  // Only free text (cause, fix, details) can still be too long: cut those as a last resort.
  const present = TABLE_LISTS.filter((key) => n[key] !== undefined);
  return {
    ...full,
    ...Object.fromEntries(present.map((key) => [key, []])),
    truncated: Object.fromEntries(present.map((key) => [key, n[key]?.length ?? 0])),
    cause: n.cause?.slice(0, 20_000),
    fix: n.fix?.slice(0, 20_000),
    details: undefined,
  };
}

/** A subject SNS accepts: printable ASCII, one line, at most 99 characters. */
export function toSubject(title: string): string {
  const ascii = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  const subject = truncateText(ascii, MAX_SUBJECT_CHARS, '...');
  return subject === '' ? 'RDS export notification' : subject;
}

/** The Publish request for one notification. */
export function toPublishInput(n: Notification, topicArn: string): PublishCommandInput {
  return {
    TopicArn: topicArn,
    Subject: toSubject(n.title),
    Message: JSON.stringify(toMessage(n)),
    MessageAttributes: {
      status: stringAttribute(n.kind),
      source: stringAttribute(n.source),
      severity: stringAttribute(n.severity),
    },
  };
}

// SNS rejects empty attribute values.
function stringAttribute(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value === '' ? 'unknown' : value };
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
