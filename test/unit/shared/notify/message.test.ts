import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, toMessage, toPublishInput, toSubject } from '#shared/notify/message.ts';
import type { Notification } from '#shared/notify/notification.ts';

const completed: Notification = {
  kind: 'completed',
  severity: 'info',
  title: 'Export of snapshot rds:orders-2024-05-01-06-10 completed',
  source: 'orders',
  registeredTables: ['rds_export_orders.public_orders'],
  skippedTables: [],
};

describe('SNS message', () => {
  it('is the notification with a version field', () => {
    expect(toMessage(completed)).toEqual({ version: 1, ...completed });
  });

  it('cuts long table lists to fit the SNS size limit and records the full counts', () => {
    const registeredTables = Array.from(
      { length: 20_000 },
      (_, i) => `rds_export_orders.table_${i}_${'x'.repeat(20)}`,
    );
    const message = toMessage({ ...completed, registeredTables });

    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(message.truncated).toEqual({ registeredTables: 20_000 });
    expect(message.registeredTables?.length).toBeGreaterThan(1000);
    expect(message.registeredTables?.[0]).toBe(registeredTables[0]);
    expect(message.skippedTables).toEqual([]);
  });

  it('fits even when free text alone is too long', () => {
    const message = toMessage({ ...completed, cause: 'y'.repeat(400_000) });
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it('carries status, source and severity as String message attributes for filter policies', () => {
    const input = toPublishInput({ ...completed, source: '' }, 'arn:aws:sns:us-east-1:123456789012:t');
    expect(input.MessageAttributes).toEqual({
      status: { DataType: 'String', StringValue: 'completed' },
      source: { DataType: 'String', StringValue: 'unknown' },
      severity: { DataType: 'String', StringValue: 'info' },
    });
  });
});

describe('toSubject', () => {
  it('keeps a short ASCII title as it is', () => {
    expect(toSubject(completed.title)).toBe(completed.title);
  });

  it('makes a title ASCII, one line and shorter than 100 characters', () => {
    const subject = toSubject(`Export of snapshot “café-prod” — done\nsecond line ${'z'.repeat(200)} 🚀`);
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.startsWith('Export of snapshot "cafe-prod" - done second line')).toBe(true);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('never returns an empty subject', () => {
    expect(toSubject('  \n ')).toBe('RDS export notification');
  });
});
