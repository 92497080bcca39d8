import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '#local/s3/server.ts';
import { AccountCredentials, type LocalSts, startLocalSts } from '#local/sts/server.ts';

const HUB = '123456789012';
const MEMBER = '111122223333';
const ROLE = `arn:aws:iam::${MEMBER}:role/rds-export-local-member-access`;
const credentials = new AccountCredentials(HUB);
let sts: LocalSts;

beforeAll(async () => {
  sts = await startLocalSts({ credentials, roles: new Map([[ROLE, MEMBER]]) }, () => {});
});
afterAll(() => sts?.close());

const client = (creds: AwsCredentialIdentity = LOCAL_CREDENTIALS) =>
  new STSClient({ region: 'us-east-1', endpoint: sts.endpoint, credentials: creds });

describe('the local STS', () => {
  it('hands the hub temporary credentials of a member role, which sign as the member', async () => {
    const out = await client().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'waits' }));
    expect(out.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${MEMBER}:assumed-role/rds-export-local-member-access/waits`,
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.Credentials?.Expiration?.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    const headers = { authorization: `AWS4-HMAC-SHA256 Credential=${out.Credentials?.AccessKeyId}/x` };
    expect(credentials.accountOf({ headers })).toBe(MEMBER);
    expect(credentials.accountOf({ headers: {} })).toBe(HUB);
  });

  it('refuses a role that does not exist, and a member assuming it, with AccessDenied', async () => {
    const missing = `arn:aws:iam::${MEMBER}:role/other`;
    const refused = await client()
      .send(new AssumeRoleCommand({ RoleArn: missing, RoleSessionName: 'x1' }))
      .catch((e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode?: number } });
    expect(refused).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((refused as Error).message).toContain(`sts:AssumeRole on resource: ${missing}`);
    const member = await client().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x2' }));
    const chained = await client({
      accessKeyId: member.Credentials?.AccessKeyId ?? '',
      secretAccessKey: member.Credentials?.SecretAccessKey ?? '',
      sessionToken: member.Credentials?.SessionToken ?? '',
    })
      .send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'x3' }))
      .catch((e: unknown) => e as Error);
    expect(chained).toMatchObject({ name: 'AccessDenied' });
  });
});
