import { truncateText } from '../contract/payload.ts';
import { formatDuration, formatSize, listWithinLimit } from './format.ts';
import type { Notification, Severity } from './notification.ts';

/**
 * Block Kit limits (api.slack.com/reference/block-kit): at most 50 blocks per message, header
 * text 150 characters, section text 3000, at most 10 section fields of 2000 each.
 */
export const SLACK_LIMITS = {
  blocks: 50,
  header: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
} as const;

interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}
export type SlackBlock =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** Fallback shown in notifications and by clients that cannot render blocks. */
  text: string;
  blocks: SlackBlock[];
}

const ICON: Record<Severity, string> = {
  info: ':white_check_mark:',
  warning: ':warning:',
  critical: ':rotating_light:',
};

/** The Block Kit message for an incoming webhook: what, where, how big, how long, tables, cause, fix. */
export function toSlackMessage(n: Notification): SlackMessage {
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncateText(`${ICON[n.severity]} ${n.title}`, SLACK_LIMITS.header),
        emoji: true,
      },
    },
  ];

  const facts: [string, string | undefined][] = [
    ['What', `${n.kind} (${n.severity})`],
    ['Source', n.source],
    ['Where', n.destination],
    ['How big', n.sizeGB === undefined ? undefined : formatSize(n.sizeGB)],
    ['How long', n.durationSeconds === undefined ? undefined : formatDuration(n.durationSeconds)],
    ['Export task', n.exportTaskIdentifier],
    ['Tables registered', n.registeredTables?.length.toString()],
    ['Tables skipped', n.skippedTables?.length.toString()],
    ['Tables failed', n.failedTables?.length.toString()],
  ];
  blocks.push(...fieldSections(facts));

  for (const [label, list] of [
    ['Registered tables', n.registeredTables],
    ['Skipped tables', n.skippedTables],
    ['Tables that could not be registered', n.failedTables],
    ['Schema changes since the previous export', n.schemaChanges],
  ] as const) {
    if (list !== undefined && list.length > 0) {
      const heading = `*${label}*\n`;
      const body = listWithinLimit(list.map(escapeMrkdwn), SLACK_LIMITS.sectionText - heading.length);
      blocks.push(section(heading + body));
    }
  }

  if (n.cause !== undefined) blocks.push(section(`*Cause*\n${escapeMrkdwn(n.cause)}`));
  if (n.fix !== undefined) blocks.push(...paragraphSections('*Fix*', n.fix));

  const details = Object.entries(n.details ?? {}).map(([k, v]): [string, string] => [labelOf(k), String(v)]);
  blocks.push(...fieldSections(details));

  const context = [
    n.executionId && `Execution: ${n.executionId}`,
    n.snapshotArn && `Snapshot: ${n.snapshotArn}`,
  ]
    .filter((line): line is string => typeof line === 'string' && line !== '')
    .map(
      (line): TextObject => ({
        type: 'mrkdwn',
        text: truncateText(escapeMrkdwn(line), SLACK_LIMITS.sectionText),
      }),
    );
  if (context.length > 0) blocks.push({ type: 'context', elements: context });

  return {
    text: truncateText(`${n.title}${n.cause ? ` — ${n.cause}` : ''}`, 3000),
    blocks: capBlocks(blocks),
  };
}

/** Slack mrkdwn treats &, < and > as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `snapshotSizeGB` → `Snapshot size GB`: detail keys are camelCase for the JSON, words for people. */
function labelOf(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  return words.charAt(0).toUpperCase() + words.slice(1).replace(/ ([A-Z])(?=[a-z])/g, (m) => m.toLowerCase());
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncateText(text, SLACK_LIMITS.sectionText) } };
}

function fieldSections(entries: readonly [string, string | undefined][]): SlackBlock[] {
  const fields = entries
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(
      ([label, value]): TextObject => ({
        type: 'mrkdwn',
        text: truncateText(`*${escapeMrkdwn(label)}*\n${escapeMrkdwn(value)}`, SLACK_LIMITS.fieldText),
      }),
    );
  const blocks: SlackBlock[] = [];
  for (let i = 0; i < fields.length; i += SLACK_LIMITS.fields) {
    blocks.push({ type: 'section', fields: fields.slice(i, i + SLACK_LIMITS.fields) });
  }
  return blocks;
}

/**
 * Long text (a fix with policy statements) split on blank lines into sections within the limit, so
 * a fenced JSON statement is never cut in the middle unless it alone exceeds a section.
 */
function paragraphSections(heading: string, text: string): SlackBlock[] {
  const sections: string[] = [];
  let current = heading;
  for (const paragraph of escapeMrkdwn(text).split(/\n{2,}/)) {
    const candidate = current === heading ? `${heading}\n${paragraph}` : `${current}\n\n${paragraph}`;
    if (candidate.length <= SLACK_LIMITS.sectionText) {
      current = candidate;
    } else {
      sections.push(current);
      current = paragraph;
    }
  }
  sections.push(current);
  return sections.map(section);
}

function capBlocks(blocks: SlackBlock[]): SlackBlock[] {
  if (blocks.length <= SLACK_LIMITS.blocks) return blocks;
  const kept = blocks.slice(0, SLACK_LIMITS.blocks - 1);
  const dropped = blocks.length - kept.length;
  return [
    ...kept,
    { type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${dropped} more blocks (see SNS)` }] },
  ];
}
