import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportTaskIdentifier, isValidExportTaskIdentifier } from '#shared/sources/identifiers.ts';

const CREATED = '2024-05-01T06:10:42.000Z';
const dbArn = (name: string, at = CREATED) => ({
  arn: `arn:aws:rds:us-east-1:123456789012:snapshot:${name}`,
  at,
});
const clusterArn = (name: string) => ({
  arn: `arn:aws:rds:us-east-1:123456789012:cluster-snapshot:${name}`,
  at: CREATED,
});

// Snapshot names as users and services produce them, and the awkward ones RDS identifiers never are.
const awkwardName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 255 }),
  fc.string({ unit: fc.constantFrom(':', '_', '.'), minLength: 1, maxLength: 255 }),
  fc.string({ unit: fc.constantFrom('-', 'a', '1'), minLength: 1, maxLength: 255 }),
  fc.stringMatching(/^[0-9][0-9a-z-]{0,254}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,62}$/).map((s) => `rds:${s}-2024-05-01-06-10`),
  fc.uuid().map((u) => `awsbackup:job-${u}`),
);
const attempt = fc.integer({ min: 1, max: 9999 });

describe('exportTaskIdentifier', () => {
  it('is always a valid RDS export task identifier, whatever the snapshot name and attempt', () => {
    fc.assert(
      fc.property(awkwardName, fc.boolean(), attempt, (name, cluster, n) => {
        const id = exportTaskIdentifier(cluster ? clusterArn(name) : dbArn(name), n);
        expect(isValidExportTaskIdentifier(id), id).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('stays valid for 255-character names, names of only separators, digits first and runs of hyphens', () => {
    for (const name of [
      'a'.repeat(255),
      '9'.repeat(255),
      ':::___...',
      '---',
      'a----b',
      '2024-05-01',
      '-x-',
      'ünïcødé-快照',
    ]) {
      const id = exportTaskIdentifier(dbArn(name));
      expect(isValidExportTaskIdentifier(id), `${name} → ${id}`).toBe(true);
      expect(id.length).toBeLessThanOrEqual(60);
    }
  });

  it('is deterministic: the same snapshot ARN always gives the same identifier', () => {
    fc.assert(
      fc.property(awkwardName, attempt, (name, n) => {
        expect(exportTaskIdentifier(dbArn(name), n)).toBe(exportTaskIdentifier(dbArn(name), n));
      }),
    );
  });

  it('gives distinct identifiers to distinct snapshots whose names share a long prefix', () => {
    const prefix = 'orders-production-eu-west-1-primary-cluster-manual-before-migration-';
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (a, b) => {
          fc.pre(a.toLowerCase() !== b.toLowerCase());
          expect(exportTaskIdentifier(dbArn(prefix + a))).not.toBe(exportTaskIdentifier(dbArn(prefix + b)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('distinguishes a DB snapshot from a cluster snapshot of the same name', () => {
    expect(exportTaskIdentifier(dbArn('orders-1'))).not.toBe(exportTaskIdentifier(clusterArn('orders-1')));
  });

  it('maps ARNs that differ only in case to one identifier, as RDS stores identifiers in lowercase', () => {
    expect(exportTaskIdentifier(dbArn('Orders-Snap'))).toBe(exportTaskIdentifier(dbArn('orders-snap')));
  });

  it('keeps the snapshot name readable at the start of the identifier', () => {
    expect(exportTaskIdentifier(dbArn('rds:orders-2024-05-01-06-10'))).toMatch(
      /^rds-orders-2024-05-01-06-10-[0-9a-f]{10}$/,
    );
    expect(exportTaskIdentifier(dbArn('2024-snap'))).toMatch(/^s-2024-snap-/);
  });

  it('gives a deliberate re-export a new, still valid identifier with an -r<attempt> suffix', () => {
    const first = exportTaskIdentifier(dbArn('x'.repeat(255)));
    const second = exportTaskIdentifier(dbArn('x'.repeat(255)), 2);
    expect(second).not.toBe(first);
    expect(second).toMatch(/-r2$/);
    expect(isValidExportTaskIdentifier(second)).toBe(true);
    expect(exportTaskIdentifier(dbArn('x'), 9999)).toMatch(/-r9999$/);
  });

  it('refuses an attempt that is not a positive integer', () => {
    expect(() => exportTaskIdentifier(dbArn('x'), 0)).toThrow(RangeError);
    expect(() => exportTaskIdentifier(dbArn('x'), 1.5)).toThrow(RangeError);
  });
});

describe('exportTaskIdentifier for a live cluster at a schedule slot', () => {
  const cluster = (id: string, slot: Date) => ({
    arn: `arn:aws:rds:us-east-1:123456789012:cluster:${id}`,
    at: slot.toISOString(),
  });
  const clusterId = fc.stringMatching(/^[a-z][a-z0-9]*(-[a-z0-9]+){0,6}$/).filter((s) => s.length <= 63);
  const slot = fc.date({
    min: new Date('2020-01-01T00:00:00Z'),
    max: new Date('2040-01-01T00:00:00Z'),
    noInvalidDate: true,
  });

  it('is valid, and the same for a slot delivered twice, whatever the cluster and the slot', () => {
    fc.assert(
      fc.property(clusterId, slot, attempt, (id, at, n) => {
        const first = exportTaskIdentifier(cluster(id, at), n);
        expect(isValidExportTaskIdentifier(first), first).toBe(true);
        expect(exportTaskIdentifier(cluster(id, new Date(at.getTime())), n)).toBe(first);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the next slot a new identifier', () => {
    fc.assert(
      fc.property(clusterId, slot, fc.integer({ min: 1, max: 10_000_000 }), (id, at, later) => {
        const next = new Date(at.getTime() + later * 1000);
        expect(exportTaskIdentifier(cluster(id, next))).not.toBe(exportTaskIdentifier(cluster(id, at)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('exportTaskIdentifier and the snapshot creation time', () => {
  it('gives a snapshot deleted and created again under its old name a new identifier', () => {
    const first = exportTaskIdentifier(dbArn('before-upgrade', '2024-05-01T06:10:42.000Z'));
    const again = exportTaskIdentifier(dbArn('before-upgrade', '2024-09-12T18:03:11.000Z'));
    expect(again).not.toBe(first);
    expect(again).toMatch(/^before-upgrade-[0-9a-f]{10}$/);
  });

  it('gives one snapshot one identifier whatever the time notation (an RDS event and an AWS Backup event)', () => {
    // DescribeDBSnapshots through the SDK yields a Date; the CLI prints +00:00 with microseconds.
    expect(exportTaskIdentifier(dbArn('s', '2024-05-01T09:10:03.512000+00:00'))).toBe(
      exportTaskIdentifier(dbArn('s', '2024-05-01T09:10:03.512Z')),
    );
  });

  it('still names a snapshot whose creation time is unknown by its ARN alone', () => {
    const { arn } = dbArn('s');
    expect(exportTaskIdentifier({ arn })).toMatch(/^s-[0-9a-f]{10}$/);
    expect(exportTaskIdentifier({ arn })).not.toBe(exportTaskIdentifier(dbArn('s')));
  });
});

describe('isValidExportTaskIdentifier', () => {
  it('applies the documented rules: letter first, [A-Za-z0-9-], no --, no trailing -, 1-60 characters', () => {
    expect(isValidExportTaskIdentifier('a')).toBe(true);
    expect(isValidExportTaskIdentifier('a'.repeat(60))).toBe(true);
    expect(isValidExportTaskIdentifier('a'.repeat(61))).toBe(false);
    expect(isValidExportTaskIdentifier('1abc')).toBe(false);
    expect(isValidExportTaskIdentifier('a--b')).toBe(false);
    expect(isValidExportTaskIdentifier('ab-')).toBe(false);
    expect(isValidExportTaskIdentifier('a_b')).toBe(false);
    expect(isValidExportTaskIdentifier('')).toBe(false);
  });
});
