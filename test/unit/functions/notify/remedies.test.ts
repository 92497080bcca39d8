import { describe, expect, it } from 'vitest';
import { remedyFor } from '#functions/notify/remedies.ts';
import { FATAL_ERROR_NAMES, RETRYABLE_ERROR_NAMES } from '#shared/contract/errors.ts';
import { SnapshotSource } from '#shared/contract/execution.ts';
import { BUCKET, EXPORT_ID, jsonBlocksOf, KEY_ARN, ROLE_ARN, state } from './state.ts';

const generic = remedyFor('SomethingNobodyKnows', state());

describe('remedyFor', () => {
  it.each([...FATAL_ERROR_NAMES, ...RETRYABLE_ERROR_NAMES])('gives %s a fix of its own', (name) => {
    const fix = remedyFor(name, state(), 'the message');
    expect(fix).not.toBe(generic);
    expect(fix.length).toBeGreaterThan(60);
  });

  it('gives the KMS key policy statement for the export role and the caller statement for the key', () => {
    const fix = remedyFor('ExportKmsKeyNotAccessibleError', state());

    const [keyPolicyStatement, callerStatement] = jsonBlocksOf(fix);
    expect(keyPolicyStatement).toEqual({
      Sid: 'AllowRdsExportRoleToUseTheKey',
      Effect: 'Allow',
      Principal: { AWS: ROLE_ARN },
      Action: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:CreateGrant',
        'kms:DescribeKey',
        'kms:RetireGrant',
      ],
      Resource: '*',
    });
    expect(callerStatement).toEqual({
      Sid: 'AllowStartExportTaskToUseTheKey',
      Effect: 'Allow',
      Action: ['kms:DescribeKey', 'kms:CreateGrant'],
      Resource: KEY_ARN,
    });
    expect(fix).toContain('export.rds.amazonaws.com');
  });

  it('tells to resolve a key alias, which an IAM policy cannot name', () => {
    const s = state();
    const fix = remedyFor('ExportKmsKeyNotAccessibleError', {
      ...s,
      request: { ...s.request, KmsKeyId: 'alias/exports' },
    });
    expect(jsonBlocksOf(fix)[1]).toMatchObject({ Resource: 'arn-of-key-alias/exports' });
  });

  it('lists the S3 actions the export role lacks on the bucket and its objects, and its trust policy', () => {
    const fix = remedyFor('ExportRoleMissingPermissionsError', state());

    const [policy, trust] = jsonBlocksOf(fix);
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AllowRdsSnapshotExport',
          Effect: 'Allow',
          Action: [
            's3:PutObject*',
            's3:ListBucket',
            's3:GetObject*',
            's3:DeleteObject*',
            's3:GetBucketLocation',
          ],
          Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
        },
      ],
    });
    expect(trust).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'export.rds.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    expect(fix).toContain('role rds-s3-export-role');
  });

  it('says how to create a missing export role', () => {
    const fix = remedyFor('ExportRoleNotFoundError', state());
    expect(fix).toContain(`${ROLE_ARN} does not exist`);
    expect(jsonBlocksOf(fix)).toHaveLength(2);
  });

  it('names the bucket and the snapshot Region for an invalid bucket', () => {
    const fix = remedyFor('ExportBucketInvalidError', state());
    expect(fix).toContain(`The bucket ${BUCKET} does not exist or is not in eu-west-1`);
    expect(fix).toContain(`aws s3api get-bucket-location --bucket ${BUCKET}`);
  });

  it('names the ExportOnly entries that do not fit a PostgreSQL engine', () => {
    const s = state();
    const fix = remedyFor('ExportOnlyInvalidError', {
      ...s,
      request: {
        ...s.request,
        ExportOnly: ['orders', 'orders.public.items', 'orders.a.b.c', 'orders.public.order-lines'],
      },
    });
    expect(fix).toContain('database, database.schema or database.schema.table');
    expect(fix).toContain('Entries to fix: orders.a.b.c, orders.public.order-lines.');
    expect(fix).toContain('rule "nightly-orders"');
  });

  it('allows only database and database.table for MySQL', () => {
    const s = state();
    const fix = remedyFor('ExportOnlyInvalidError', {
      ...s,
      source: { ...s.source, engine: 'aurora-mysql' },
      request: { ...s.request, ExportOnly: ['shop', 'shop.orders', 'shop.public.orders'] },
    });
    expect(fix).toContain('database or database.table');
    expect(fix).toContain('Entries to fix: shop.public.orders.');
  });

  it('says which identifier rules an invalid export task identifier breaks', () => {
    const s = state();
    const fix = remedyFor(
      'ExportParameterInvalidError',
      { ...s, request: { ...s.request, ExportTaskIdentifier: '9orders--x_' } },
      'The parameter ExportTaskIdentifier is not a valid identifier.',
    );
    expect(fix).toContain('it must begin with a letter');
    expect(fix).toContain('it may only contain ASCII letters, digits and hyphens');
    expect(fix).toContain('it must not contain two consecutive hyphens');
    expect(fix).not.toContain('it must not end with a hyphen');
  });

  it('uses the cluster snapshot command for a missing cluster snapshot', () => {
    const s = state();
    const fix = remedyFor('ExportSourceNotFoundError', {
      ...s,
      source: SnapshotSource.parse({ ...s.source, kind: 'cluster-snapshot' }),
    });
    expect(fix).toContain('aws rds describe-db-cluster-snapshots --db-cluster-snapshot-identifier');
    expect(remedyFor('ExportSourceNotFoundError', s)).toContain(
      'aws rds describe-db-snapshots --db-snapshot-identifier',
    );
  });

  it('quotes the message of errors whose fix depends on it', () => {
    expect(remedyFor('PolicyError', state(), 'rules[2].bucket: required')).toContain(
      'rules[2].bucket: required',
    );
    expect(remedyFor('ConfigurationError', state(), 'EXPORT_BUCKET: required')).toContain(
      'EXPORT_BUCKET: required',
    );
    expect(remedyFor('UnexpectedAwsError', state(), 'SomeNewFault: boom')).toContain('SomeNewFault: boom');
  });

  it('handles Step Functions errors and falls back for names nobody classified', () => {
    expect(remedyFor('States.Timeout', state())).toContain(`--export-task-identifier ${EXPORT_ID}`);
    expect(remedyFor('UnexpectedStartResult', state())).toContain('Deploy both from the same commit');
    expect(generic).toContain('Unclassified error SomethingNobodyKnows');
  });
});
