import { describe, expect, it } from 'vitest';
import { explainFailureCause } from '#functions/notify/failure-messages.ts';
import { BUCKET, jsonBlocksOf, KEY_ARN, ROLE_ARN, state } from './state.ts';

// The messages of "Failure messages for Amazon S3 export tasks" (Aurora User Guide) with their
// placeholders filled in as RDS would.
const ROLE = 'arn:aws:iam::123456789012:role/export-to-s3';

describe('explainFailureCause', () => {
  it.each([
    ['An unknown internal error occurred.', 'internal-error'],
    [
      "An unknown internal error occurred writing the export task's metadata to the S3 bucket my-exports.",
      'internal-error-writing-metadata',
    ],
    [
      `The RDS export failed to write the export task's metadata because it can't assume the IAM role ${ROLE}.`,
      'cannot-assume-role',
    ],
    [
      `The RDS export failed to write the export task's metadata to the S3 bucket my-exports using the IAM role ${ROLE} with the KMS key ${KEY_ARN}. Error code: AccessDenied`,
      'metadata-write-denied',
    ],
    [
      `The IAM role ${ROLE} isn't authorized to call s3:PutObject on the S3 bucket my-exports. Review your permissions and retry the export.`,
      'role-not-authorized-for-action',
    ],
    ['KMS key check failed. Check the credentials on your KMS key and try again.', 'kms-check-failed'],
    [
      'S3 credential check failed. Check the permissions on your S3 bucket and IAM policy.',
      's3-check-failed',
    ],
    [
      "The S3 bucket my-exports isn't valid. Either it isn't located in the current AWS Region or it doesn't exist. Review your S3 bucket name and retry the export.",
      'bucket-invalid',
    ],
    [
      "The S3 bucket my-exports isn't located in the current AWS Region. Review your S3 bucket name and retry the export.",
      'bucket-wrong-region',
    ],
  ])('recognises the documented message %j', (cause, id) => {
    expect(explainFailureCause(cause, state()).matched).toBe(id);
  });

  it('recognises the wording of the DescribeExportTasks example ("Please, review") too', () => {
    const cause =
      "The S3 bucket my-exports isn't located in the current AWS Region. Please, review your S3 bucket name and retry the export.";
    const explained = explainFailureCause(cause, state());
    expect(explained.matched).toBe('bucket-wrong-region');
    expect(explained.fix).toContain(`The bucket ${BUCKET} does not exist or is not in eu-west-1`);
  });

  it('accepts typographic apostrophes and extra spaces', () => {
    expect(explainFailureCause('The S3 bucket  my-exports isn’t valid.', state()).matched).toBe(
      'bucket-invalid',
    );
  });

  it('names the role and the missing S3 action from the message', () => {
    const explained = explainFailureCause(
      `The IAM role ${ROLE} isn't authorized to call s3:PutObject on the S3 bucket ${BUCKET}. Review your permissions and retry the export.`,
      state(),
    );
    expect(explained.fix).toContain(
      `Allow role ${ROLE} to call s3:PutObject on arn:aws:s3:::${BUCKET} and arn:aws:s3:::${BUCKET}/*`,
    );
    expect(jsonBlocksOf(explained.fix)[0]).toMatchObject({
      Statement: [{ Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] }],
    });
  });

  it('gives the trust policy when RDS cannot assume the role, naming the role from the message', () => {
    const explained = explainFailureCause(
      `The RDS export failed to write the export task's metadata because it can't assume the IAM role ${ROLE}.`,
      state(),
    );
    expect(explained.fix).toContain(`RDS cannot assume the export role ${ROLE}.`);
    expect(jsonBlocksOf(explained.fix)[0]).toMatchObject({
      Statement: [{ Principal: { Service: 'export.rds.amazonaws.com' } }],
    });
  });

  it('gives role, bucket and key statements for a metadata write refused with an error code', () => {
    const explained = explainFailureCause(
      `The RDS export failed to write the export task's metadata to the S3 bucket ${BUCKET} using the IAM role ${ROLE_ARN} with the KMS key ${KEY_ARN}. Error code: AccessDenied`,
      state(),
    );
    expect(explained.fix).toContain(`as role ${ROLE_ARN} with key ${KEY_ARN} (error code AccessDenied)`);
    const blocks = jsonBlocksOf(explained.fix);
    expect(blocks[0]).toMatchObject({ Statement: [{ Action: expect.arrayContaining(['s3:PutObject*']) }] });
    expect(blocks[1]).toMatchObject({
      Principal: { AWS: ROLE_ARN },
      Action: expect.arrayContaining(['kms:GenerateDataKey*']),
    });
  });

  it('gives the key policy statements when the KMS key check failed', () => {
    const explained = explainFailureCause(
      'KMS key check failed. Check the credentials on your KMS key and try again.',
      state(),
    );
    expect(jsonBlocksOf(explained.fix)[0]).toMatchObject({ Principal: { AWS: ROLE_ARN } });
  });

  it('says so when a cause is not documented, and when there is none', () => {
    const undocumented = explainFailureCause('Something new went wrong.', state());
    expect(undocumented.matched).toBeUndefined();
    expect(undocumented.fix).toContain('not one of the documented export failure messages');
    expect(explainFailureCause(undefined, state()).fix).toContain('RDS gave no failure cause');
  });

  it('does not mistake a message that merely contains a documented one', () => {
    expect(explainFailureCause('Wrapped: KMS key check failed.', state()).matched).toBeUndefined();
  });
});
