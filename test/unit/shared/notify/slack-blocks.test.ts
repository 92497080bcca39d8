import { describe, expect, it } from 'vitest';
import type { Notification } from '#shared/notify/notification.ts';
import { SLACK_LIMITS, type SlackBlock, toSlackMessage } from '#shared/notify/slack-blocks.ts';

const completed: Notification = {
  kind: 'completed',
  severity: 'info',
  title: 'Export of snapshot rds:orders-2024-05-01-06-10 completed',
  source: 'orders',
  exportTaskIdentifier: 'orders-2024-05-01-06-10-a1b2',
  destination: 's3://exports/rds/orders-2024-05-01-06-10-a1b2/',
  sizeGB: 263,
  durationSeconds: 2 * 3600 + 13 * 60,
  registeredTables: ['rds_export_orders.public_orders', 'rds_export_orders.public_customers'],
  skippedTables: ['orders.public.audit log: column names contain spaces'],
  failedTables: [],
  executionId: 'arn:aws:states:eu-west-1:123456789012:execution:export:orders-2024-05-01-06-10-a1b2',
};

function texts(blocks: SlackBlock[]): string[] {
  return blocks.flatMap((block) => {
    if (block.type === 'header') return [block.text.text];
    if (block.type === 'section') return [block.text?.text ?? '', ...(block.fields ?? []).map((f) => f.text)];
    if (block.type === 'context') return block.elements.map((e) => e.text);
    return [];
  });
}

function expectWithinLimits(blocks: SlackBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const block of blocks) {
    if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    if (block.type === 'section') {
      expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(block.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      for (const field of block.fields ?? [])
        expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
  }
}

describe('toSlackMessage', () => {
  it('says what, where, how big, how long and which tables were registered and skipped', () => {
    const { text, blocks } = toSlackMessage(completed);

    expect(text).toBe(completed.title);
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: `:white_check_mark: ${completed.title}`, emoji: true },
    });
    const all = texts(blocks).join('\n');
    expect(all).toContain('*What*\ncompleted (info)');
    expect(all).toContain('*Where*\ns3://exports/rds/orders-2024-05-01-06-10-a1b2/');
    expect(all).toContain('*How big*\n263 GB');
    expect(all).toContain('*How long*\n2 h 13 min');
    expect(all).toContain('*Tables registered*\n2');
    expect(all).toContain('*Tables skipped*\n1');
    expect(all).toContain('• rds_export_orders.public_customers');
    expect(all).toContain('• orders.public.audit log: column names contain spaces');
    expect(all).toContain(`Execution: ${completed.executionId}`);
    expectWithinLimits(blocks);
  });

  it('shows the cause and the fix of a failure, with the policy statement intact', () => {
    const statement = JSON.stringify(
      { Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:CreateGrant'] },
      null,
      2,
    );
    const { blocks } = toSlackMessage({
      ...completed,
      kind: 'failed',
      severity: 'critical',
      cause: 'KMS key check failed.',
      fix: `Add this statement:\n\n\`\`\`\n${statement}\n\`\`\``,
    });

    expect(blocks[0]?.type === 'header' && blocks[0].text.text.startsWith(':rotating_light:')).toBe(true);
    const all = texts(blocks);
    expect(all).toContain('*Cause*\nKMS key check failed.');
    expect(all.find((t) => t.startsWith('*Fix*'))).toContain(`\`\`\`\n${statement}\n\`\`\``);
  });

  it('escapes the characters Slack treats as markup', () => {
    const { blocks } = toSlackMessage({ ...completed, cause: 'a < b & c > d <!channel>' });
    expect(texts(blocks)).toContain('*Cause*\na &lt; b &amp; c &gt; d &lt;!channel&gt;');
  });

  it('stays within Block Kit limits for thousands of tables, long causes and long fixes', () => {
    const many = Array.from({ length: 3000 }, (_, i) => `rds_export_orders.table_with_a_long_name_${i}`);
    const paragraphs = Array.from({ length: 600 }, (_, i) => `Step ${i}: ${'do this '.repeat(40)}`).join(
      '\n\n',
    );
    const details = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`fact${i}`, 'v'.repeat(3000)]));
    const { text, blocks } = toSlackMessage({
      ...completed,
      title: 'T'.repeat(500),
      registeredTables: many,
      skippedTables: many,
      failedTables: many,
      cause: 'c'.repeat(10_000),
      fix: paragraphs,
      details,
    });

    expectWithinLimits(blocks);
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(texts(blocks).join('\n')).toMatch(/…and \d+ more/);
    expect(blocks).toHaveLength(SLACK_LIMITS.blocks);
    expect(texts(blocks).at(-1)).toMatch(/^…and \d+ more blocks/);
  });

  it('shows details under readable labels', () => {
    const { blocks } = toSlackMessage({
      ...completed,
      details: { snapshotSizeGB: 500, glueDatabase: 'rds_export_orders' },
    });
    const all = texts(blocks);
    expect(all).toContain('*Snapshot size GB*\n500');
    expect(all).toContain('*Glue database*\nrds_export_orders');
  });

  it('leaves out facts the notification does not have', () => {
    const { blocks } = toSlackMessage({
      kind: 'started',
      severity: 'info',
      title: 'Export started',
      source: 'orders',
    });
    const all = texts(blocks).join('\n');
    expect(all).not.toContain('How big');
    expect(all).not.toContain('Tables registered');
    expect(all).not.toContain('*Fix*');
  });
});
