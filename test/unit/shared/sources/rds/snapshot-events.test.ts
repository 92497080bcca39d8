import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSnapshotArn, parseSnapshotEvent, snapshotTypeOf } from '#shared/sources/rds/snapshot-events.ts';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../../events/${name}`, import.meta.url), 'utf8'));

describe('parseSnapshotEvent', () => {
  it.each([
    [
      'rds-db-snapshot-manual-created.json',
      'RDS-EVENT-0042',
      'db-snapshot',
      'manual',
      'orders-before-migration',
    ],
    [
      'rds-db-snapshot-automated-created.json',
      'RDS-EVENT-0091',
      'db-snapshot',
      'automated',
      'rds:snapshot-replica-2018-10-06-12-24',
    ],
    [
      'rds-cluster-snapshot-manual-created.json',
      'RDS-EVENT-0075',
      'cluster-snapshot',
      'manual',
      'analytics-2024-05-01',
    ],
    [
      'rds-cluster-snapshot-automated-created.json',
      'RDS-EVENT-0169',
      'cluster-snapshot',
      'automated',
      'rds:analytics-2024-05-01-06-10',
    ],
    ['rds-db-snapshot-copied.json', 'RDS-EVENT-0197', 'db-snapshot', 'manual', 'orders-copy-2024-05-01'],
    ['rds-db-snapshot-copied-cross-region.json', 'RDS-EVENT-0060', 'db-snapshot', 'manual', 'orders-dr-copy'],
    [
      'rds-db-snapshot-awsbackup-created.json',
      'RDS-EVENT-0042',
      'db-snapshot',
      'awsbackup',
      'awsbackup:job-96efebc5-6db5-4d52-5747-bff86fefef1f',
    ],
  ])('accepts %s (%s) as a %s of type %s', (file, trigger, kind, snapshotType, snapshotIdentifier) => {
    const result = parseSnapshotEvent(fixture(file));
    expect(result).toMatchObject({
      action: 'describe',
      snapshot: { trigger, kind, snapshotType, snapshotIdentifier },
    });
  });

  it('accepts a completed AWS Backup job for RDS with the DB snapshot ARN from resources[0]', () => {
    expect(parseSnapshotEvent(fixture('backup-job-completed-rds.json'))).toEqual({
      action: 'describe',
      snapshot: {
        kind: 'db-snapshot',
        arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-96efebc5-6db5-4d52-5747-bff86fefef1f',
        snapshotIdentifier: 'awsbackup:job-96efebc5-6db5-4d52-5747-bff86fefef1f',
        snapshotType: 'awsbackup',
        region: 'us-east-1',
        trigger: 'Backup Job State Change',
      },
    });
  });

  it('accepts a completed AWS Backup job for Aurora as a cluster snapshot', () => {
    expect(parseSnapshotEvent(fixture('backup-job-completed-aurora.json'))).toMatchObject({
      action: 'describe',
      snapshot: { kind: 'cluster-snapshot', snapshotType: 'awsbackup' },
    });
  });

  it('names the same snapshot ARN for the RDS event and the AWS Backup event of one snapshot', () => {
    const rds = parseSnapshotEvent(fixture('rds-db-snapshot-awsbackup-created.json'));
    const backup = parseSnapshotEvent(fixture('backup-job-completed-rds.json'));
    expect(
      rds.action === 'describe' && backup.action === 'describe' && rds.snapshot.arn === backup.snapshot.arn,
    ).toBe(true);
  });

  it.each([
    ['rds-db-snapshot-creating.json', /RDS-EVENT-0040: snapshot is still being created/],
    ['rds-cluster-snapshot-creating.json', /RDS-EVENT-0074: snapshot is still being created/],
    ['rds-db-snapshot-export-completed.json', /RDS-EVENT-0161: export task event/],
    ['backup-job-failed.json', /AWS Backup job is FAILED, not COMPLETED/],
    ['backup-job-completed-ebs.json', /resource type EBS, not RDS or Aurora/],
  ])('skips %s with a reason', (file, reason) => {
    const result = parseSnapshotEvent(fixture(file));
    expect(result.action).toBe('skip');
    expect(result.action === 'skip' && result.reason).toMatch(reason);
    expect(result.action === 'skip' && result.invalid).toBeFalsy();
  });

  it('matches on EventID, not on the Message text', () => {
    const event = fixture('rds-db-snapshot-manual-created.json');
    const detail = event.detail as Record<string, unknown>;
    expect(
      parseSnapshotEvent({ ...event, detail: { ...detail, Message: 'Creating manual snapshot' } }).action,
    ).toBe('describe');
    expect(
      parseSnapshotEvent({
        ...event,
        detail: { ...detail, EventID: 'RDS-EVENT-0040', Message: 'Manual snapshot created' },
      }).action,
    ).toBe('skip');
  });

  it('skips an RDS event ID it does not know, naming it', () => {
    const event = fixture('rds-db-snapshot-manual-created.json');
    const result = parseSnapshotEvent({
      ...event,
      detail: { ...(event.detail as object), EventID: 'RDS-EVENT-0999' },
    });
    expect(result).toEqual({
      action: 'skip',
      reason: 'RDS-EVENT-0999: not a snapshot-created or snapshot-copied event',
    });
  });

  it('skips a snapshot-created event whose ARN is not a snapshot ARN', () => {
    const event = fixture('rds-db-snapshot-manual-created.json');
    const detail = {
      ...(event.detail as object),
      SourceArn: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
    };
    expect(parseSnapshotEvent({ ...event, detail })).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/is not an RDS DB snapshot/),
    });
  });

  it('skips a snapshot in another Region than the event, which this Region cannot export', () => {
    const event = fixture('rds-db-snapshot-copied-cross-region.json');
    const detail = {
      ...(event.detail as object),
      SourceArn: 'arn:aws:rds:eu-west-1:123456789012:snapshot:orders-dr-copy',
    };
    expect(parseSnapshotEvent({ ...event, detail })).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/is in eu-west-1/),
    });
  });

  it('accepts a member account’s event forwarded to the hub, whose snapshot is that account’s', () => {
    // An event sent to another account's bus keeps the `account` that emitted it: the receiving
    // account's rules match "events that come from the sender account" on it (EventBridge User
    // Guide, "Sending and receiving events between AWS accounts", rules in the receiver account).
    const event = JSON.parse(
      JSON.stringify(fixture('rds-db-snapshot-automated-created.json')).replaceAll(
        '123456789012',
        '222222222222',
      ),
    );
    expect(parseSnapshotEvent(event)).toMatchObject({
      action: 'describe',
      snapshot: { arn: expect.stringContaining(':222222222222:snapshot:') },
    });
  });

  it('skips, as invalid, an event naming a snapshot of another account than the event’s', () => {
    const event = { ...fixture('rds-db-snapshot-automated-created.json'), account: '222222222222' };
    expect(parseSnapshotEvent(event)).toMatchObject({
      action: 'skip',
      invalid: true,
      reason: expect.stringMatching(/belongs to account 123456789012, the event came from 222222222222/),
    });
  });

  it('skips an AWS Backup job whose recovery point is not a snapshot (continuous backup)', () => {
    const event = fixture('backup-job-completed-rds.json');
    const resources = ['arn:aws:backup:us-east-1:123456789012:recovery-point:continuous:db-abc-1a2b3c4d'];
    expect(parseSnapshotEvent({ ...event, resources })).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/not an RDS DB snapshot/),
    });
  });

  // A real event with one thing wrong: `{ ...rds, ... }` keeps every other field EventBridge sets.
  const rds = fixture('rds-db-snapshot-manual-created.json');
  const { detail: _, ...withoutDetail } = rds;
  it.each([
    ['a non-object', 'hello', /not an EventBridge event: \(root\)/],
    ['an event without detail', withoutDetail, /^not an EventBridge event: detail: /],
    ['an event without time', { ...rds, time: undefined }, /^not an EventBridge event: time: /],
    [
      'an event whose resources are no list',
      { ...rds, resources: 'arn' },
      /^not an EventBridge event: resources: /,
    ],
    ['another source', { ...rds, source: 'aws.ec2', detail: {} }, /aws.ec2 is neither/],
    ['an aws.rds event without EventID', { ...rds, detail: {} }, /^malformed aws.rds event: EventID: /],
    [
      'an aws.backup job event without state',
      { ...fixture('backup-job-completed-rds.json'), detail: { resourceType: 'RDS' } },
      /^malformed aws.backup event: state: /,
    ],
  ])('marks %s as invalid input, with the reason', (_, event, reason) => {
    const result = parseSnapshotEvent(event);
    expect(result).toMatchObject({ action: 'skip', invalid: true, reason: expect.stringMatching(reason) });
  });
});

describe('snapshotTypeOf', () => {
  it('derives the type from the name: rds: automated, awsbackup:job- AWS Backup, else manual', () => {
    expect(snapshotTypeOf('rds:orders-2024-05-01-06-10')).toBe('automated');
    expect(snapshotTypeOf('awsbackup:job-96efebc5-6db5-4d52-5747-bff86fefef1f')).toBe('awsbackup');
    expect(snapshotTypeOf('orders-before-migration')).toBe('manual');
    expect(snapshotTypeOf('awsbackup-manual')).toBe('manual');
  });
});

describe('parseSnapshotArn', () => {
  it('tells a DB snapshot ARN from a cluster snapshot ARN and keeps colons in the identifier', () => {
    expect(parseSnapshotArn('arn:aws:rds:us-east-1:123456789012:snapshot:rds:db-1')).toEqual({
      kind: 'db-snapshot',
      region: 'us-east-1',
      account: '123456789012',
      snapshotIdentifier: 'rds:db-1',
    });
    expect(parseSnapshotArn('arn:aws-cn:rds:cn-north-1:123456789012:cluster-snapshot:c-1')?.kind).toBe(
      'cluster-snapshot',
    );
    expect(parseSnapshotArn('arn:aws:rds:us-east-1:123456789012:db:db-1')).toBeUndefined();
  });

  it.each([
    ['too few parts', 'arn:aws:rds:us-east-1:snapshot'],
    ['not an ARN', 'rds:us-east-1:123456789012:snapshot:db-1:x'],
    ['another service', 'arn:aws:ec2:us-east-1:123456789012:snapshot:snap-0abc'],
    ['no Region', 'arn:aws:rds::123456789012:snapshot:db-1'],
    ['no identifier', 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:'],
    ['no resource type', 'arn:aws:rds:us-east-1:123456789012:db-1'],
  ])('is not fooled by an ARN with %s', (_, arn) => {
    expect(parseSnapshotArn(arn)).toBeUndefined();
  });
});
