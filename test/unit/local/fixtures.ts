import type { StoredSnapshot } from '../../../local/rds/snapshots.ts';
import type { DatabaseSnapshot } from '../../../local/snapshot.ts';

/** A small database copy with one column of every Parquet kind, plus tables the export skips. */
export function sampleSnapshot(): DatabaseSnapshot {
  return {
    database: 'appdb',
    takenAt: new Date('2024-05-01T06:10:00Z'),
    tables: [
      {
        schema: 'public',
        name: 'all_kinds',
        persistence: 'p',
        columns: [
          { name: 'c_bigint', originalType: 'bigint', kind: 'INT64' },
          { name: 'c_integer', originalType: 'integer', kind: 'INT32' },
          { name: 'c_smallint', originalType: 'smallint', kind: 'INT16' },
          { name: 'c_double', originalType: 'double precision', kind: 'DOUBLE' },
          { name: 'c_real', originalType: 'real', kind: 'FLOAT' },
          { name: 'c_boolean', originalType: 'boolean', kind: 'BOOLEAN' },
          { name: 'c_bytea', originalType: 'bytea', kind: 'BINARY' },
          { name: 'c_numeric', originalType: 'numeric(12,2)', kind: 'STRING', numPrecision: 12 },
        ],
        rows: [
          [9223372036854775807n, -2147483648, 32767, 1.5e308, 1.5, true, new Uint8Array([0, 255]), '12.34'],
          [null, null, null, null, null, null, null, null],
        ],
      },
      {
        schema: 'public',
        name: 'scratch',
        persistence: 'u',
        columns: [{ name: 'id', originalType: 'integer', kind: 'INT32' }],
        rows: [[1]],
      },
      {
        schema: 'public',
        name: 'a/b',
        persistence: 'p',
        columns: [{ name: 'id', originalType: 'integer', kind: 'INT32' }],
        rows: [[1]],
      },
      {
        schema: 'public',
        name: 'spaced',
        persistence: 'p',
        columns: [{ name: 'first name', originalType: 'text', kind: 'STRING' }],
        rows: [['x']],
      },
      {
        schema: 'other',
        name: 'Mixed Case',
        persistence: 'p',
        columns: [{ name: 'id', originalType: 'integer', kind: 'INT32' }],
        rows: [[7]],
      },
    ],
  };
}

export function storedSnapshot(identifier = 'appdb-snap-1'): StoredSnapshot {
  return {
    kind: 'db-snapshot',
    identifier,
    arn: `arn:aws:rds:us-east-1:123456789012:snapshot:${identifier}`,
    sourceIdentifier: 'appdb',
    snapshotType: 'manual',
    data: sampleSnapshot(),
  };
}
