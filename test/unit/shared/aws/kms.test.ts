import { describe, expect, it } from 'vitest';
import { isKmsKeyArn, isKmsKeyReference, KMS_KEY_ARN } from '#shared/aws/kms.ts';
import { graphKeyArn } from '#shared/sources/graph/job.ts';
import { GraphStartExportTaskRequest } from '#shared/sources/graph/request.ts';

// The forms AWS documents: the KeyId examples of the AWS KMS API reference (a key ID is 36
// characters, `mrk-` and 32 hex digits for a multi-Region key), and the kmsKeyIdentifier pattern of
// the Neptune Analytics API reference (ExportTaskSummary).
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK_ID = 'mrk-1234abcd12ab34cd56ef1234567890ab';
const KEY_ARN = `arn:aws:kms:us-east-2:111122223333:key/${KEY_ID}`;
const GRAPH_ARN = 'arn:aws:neptune-graph:us-east-2:111122223333:graph/g-abcde12345';

const graphRequest = (kmsKeyIdentifier: string) =>
  GraphStartExportTaskRequest.safeParse({
    graphIdentifier: 'g-abcde12345',
    roleArn: 'arn:aws:iam::111122223333:role/graph-export',
    format: 'PARQUET',
    destination: 's3://exports/graphs/',
    kmsKeyIdentifier,
  }).success;

describe('the export key rule', () => {
  it('is the KmsKeyArn pattern the Neptune Analytics API reference documents', () => {
    const documented = 'arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}';
    expect(KMS_KEY_ARN).toEqual(new RegExp(`^${documented}$`));
  });

  it('takes a key ARN in each documented partition, and a key ID of a single- or multi-Region key', () => {
    for (const partition of ['aws', 'aws-cn', 'aws-us-gov']) {
      expect(isKmsKeyArn(`arn:${partition}:kms:us-east-2:111122223333:key/${MRK_ID}`), partition).toBe(true);
    }
    expect(isKmsKeyReference(KEY_ID)).toBe(true);
    expect(isKmsKeyReference(MRK_ID)).toBe(true);
    expect(isKmsKeyArn(KEY_ID)).toBe(false);
  });

  it('refuses aliases and identifiers that are not 36 characters', () => {
    for (const value of [
      'alias/exports',
      'arn:aws:kms:us-east-2:111122223333:alias/exports',
      KEY_ID.replaceAll('-', ''),
      `${KEY_ID}0`,
      `arn:aws:kms:us-east-2:111122223333:key/${KEY_ID.replaceAll('-', '')}`,
    ]) {
      expect(isKmsKeyReference(value), value).toBe(false);
    }
  });

  it('gives a graph export request only keys the graph request schema takes', () => {
    expect(graphRequest(KEY_ARN)).toBe(true);
    expect(graphRequest(graphKeyArn(MRK_ID, GRAPH_ARN))).toBe(true);
    expect(graphRequest(KEY_ID)).toBe(false);
  });
});
