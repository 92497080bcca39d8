import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOTIFICATION_KINDS } from '#shared/contract/execution.ts';
import { MAX_MESSAGE_BYTES, toPublishInput } from '#shared/notify/message.ts';
import type { Notification } from '#shared/notify/notification.ts';
import { SLACK_LIMITS, toSlackMessage } from '#shared/notify/slack-blocks.ts';

const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });
const list = fc.array(text(120), { maxLength: 400 });

const notification: fc.Arbitrary<Notification> = fc.record(
  {
    kind: fc.constantFrom(...NOTIFICATION_KINDS),
    severity: fc.constantFrom('info', 'warning', 'critical'),
    title: text(400),
    source: text(80),
    destination: text(300),
    sizeGB: fc.nat(),
    durationSeconds: fc.nat(),
    cause: text(5000),
    fix: fc.array(text(1500), { maxLength: 40 }).map((paragraphs) => paragraphs.join('\n\n')),
    registeredTables: list,
    skippedTables: list,
    failedTables: list,
    details: fc.dictionary(text(30), fc.oneof(text(2500), fc.integer(), fc.boolean()), { maxKeys: 30 }),
    executionId: text(200),
  },
  { requiredKeys: ['kind', 'severity', 'title', 'source'] },
);

describe('any notification', () => {
  it('becomes a Slack message within Block Kit limits', () => {
    fc.assert(
      fc.property(notification, (n) => {
        const { text: fallback, blocks } = toSlackMessage(n);
        expect(fallback.length).toBeLessThanOrEqual(3000);
        expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
        for (const block of blocks) {
          if (block.type === 'header')
            expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
          if (block.type === 'section') {
            expect(block.text === undefined && block.fields === undefined).toBe(false);
            expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
            expect(block.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.fields);
            for (const f of block.fields ?? [])
              expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('becomes an SNS request SNS accepts: ASCII subject under 100 characters, message within the size limit', () => {
    fc.assert(
      fc.property(notification, (n) => {
        const input = toPublishInput(n, 'arn:aws:sns:us-east-1:123456789012:t');
        expect(input.Subject).toMatch(/^[\x20-\x7e]{1,99}$/);
        expect(input.Subject?.startsWith(' ')).toBe(false);
        expect(Buffer.byteLength(input.Message ?? '')).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
        expect(JSON.parse(input.Message ?? '').version).toBe(1);
        for (const attribute of Object.values(input.MessageAttributes ?? {}))
          expect(attribute.StringValue).not.toBe('');
      }),
      { numRuns: 150 },
    );
  });
});
