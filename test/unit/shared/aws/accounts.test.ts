import { DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AccountsEnv, homeOf, isHome, isMember, scopeKey, scopeOf } from '#shared/aws/accounts.ts';
import { clientsByScope } from '#shared/aws/member-clients.ts';
import { ConfigurationError } from '#shared/contract/errors.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { type SeenRequest, startStsRdsEndpoint } from '#test/helpers/sts-rds-endpoint.ts';

const HUB = '111111111111';
const MEMBER = '222222222222';
const home = { account: HUB, region: 'eu-west-1', memberRole: 'rds-export-dev-member-access' };
const snapshot = (account: string, region = 'eu-west-1') =>
  `arn:aws:rds:${region}:${account}:snapshot:rds:orders-2026-12-01-03-10`;

describe('a source’s account and Region', () => {
  it('are read from its ARN, in any partition', () => {
    expect(scopeOf(snapshot(MEMBER))).toEqual({ partition: 'aws', account: MEMBER, region: 'eu-west-1' });
    expect(scopeOf('arn:aws-cn:rds:cn-north-1:123456789012:cluster:c-1')).toMatchObject({
      partition: 'aws-cn',
      region: 'cn-north-1',
    });
  });

  it('refuses an ARN without an account or a Region, naming it', () => {
    expect(() => scopeOf('arn:aws:s3:::bucket')).toThrow(ConfigurationError);
    expect(() => scopeOf('not-an-arn')).toThrow(/not-an-arn is not an ARN/);
  });

  it('tell the deployment’s own sources from a member’s and from another Region’s', () => {
    expect(isHome(scopeOf(snapshot(HUB)), home)).toBe(true);
    expect(isMember(scopeOf(snapshot(MEMBER)), home)).toBe(true);
    const otherRegion = scopeOf(snapshot(HUB, 'us-east-1'));
    expect([isHome(otherRegion, home), isMember(otherRegion, home)]).toEqual([false, false]);
    // Without the deployment's account (the local stack, one account) every source is its own.
    expect(isMember(scopeOf(snapshot(MEMBER)), {})).toBe(false);
  });

  it('give each account and Region its own export slots, and the deployment’s the keys it always had', () => {
    expect(scopeKey(scopeOf(snapshot(HUB)), home)).toBeUndefined();
    expect(scopeKey(scopeOf(snapshot(MEMBER)), home)).toBe(`${MEMBER}/eu-west-1`);
    expect(scopeKey(scopeOf(snapshot(HUB, 'us-east-1')), home)).toBe(`${HUB}/us-east-1`);
  });

  it('come with the member role names from the environment, validated', () => {
    const env = parseEnv(AccountsEnv, {
      DEPLOYMENT_ACCOUNT_ID: HUB,
      AWS_REGION: 'eu-west-1',
      MEMBER_ROLE_NAME: 'rds-export-dev-member-access',
      MEMBER_EXPORT_ROLE_NAME: '',
    });
    expect(homeOf(env)).toEqual({ ...home, memberExportRole: undefined });
    expect(() => parseEnv(AccountsEnv, { DEPLOYMENT_ACCOUNT_ID: '1111' })).toThrow(/DEPLOYMENT_ACCOUNT_ID/);
    expect(() => parseEnv(AccountsEnv, { MEMBER_ROLE_NAME: 'a role' })).toThrow(/MEMBER_ROLE_NAME/);
  });
});

// STS AssumeRole and RDS DescribeExportTasks on one local endpoint (test/helpers/sts-rds-endpoint.ts).
let sts: Awaited<ReturnType<typeof startStsRdsEndpoint>>;
let endpoint: string;
let seen: SeenRequest[];
beforeAll(async () => {
  sts = await startStsRdsEndpoint();
  ({ endpoint, seen } = sts);
});
afterAll(() => sts.close());
beforeEach(() => {
  seen.length = 0;
});

const hubCredentials = { accessKeyId: 'AKIAHUB', secretAccessKey: 'hub-secret' };
const rdsIn = () =>
  clientsByScope(
    home,
    (config) =>
      new RDSClient({
        endpoint,
        region: 'eu-west-1',
        credentials: hubCredentials,
        maxAttempts: 1,
        ...config,
      }),
    { endpoint, credentials: hubCredentials },
  );

describe('clients by account and Region', () => {
  it('call RDS in a member account with the member role’s credentials, assumed once per container', async () => {
    const of = rdsIn();
    const member = of(scopeOf(snapshot(MEMBER)));
    expect(of(scopeOf(snapshot(MEMBER)))).toBe(member);
    await member.send(new DescribeExportTasksCommand({}));
    await member.send(new DescribeExportTasksCommand({}));

    const assumed = seen.filter((s) => s.action === 'AssumeRole');
    expect(assumed).toHaveLength(1);
    expect(assumed[0]?.params.get('RoleArn')).toBe(
      `arn:aws:iam::${MEMBER}:role/rds-export-dev-member-access`,
    );
    // The hub's own credentials ask STS; the member's answer signs RDS's requests.
    expect(assumed[0]?.accessKey).toBe('AKIAHUB');
    const calls = seen.filter((s) => s.action === 'DescribeExportTasks');
    expect(calls.map((c) => [c.accessKey, c.token])).toEqual([
      [`ASIA${MEMBER}`, `token-${MEMBER}`],
      [`ASIA${MEMBER}`, `token-${MEMBER}`],
    ]);
  });

  it('call RDS of the deployment’s own account with its own credentials, assuming nothing', async () => {
    const of = rdsIn();
    await of(scopeOf(snapshot(HUB))).send(new DescribeExportTasksCommand({}));
    expect(seen.map((s) => [s.action, s.accessKey])).toEqual([['DescribeExportTasks', 'AKIAHUB']]);
  });

  it('build one client per account and Region', () => {
    const of = rdsIn();
    const clients = new Set([
      of(scopeOf(snapshot(HUB))),
      of(scopeOf(snapshot(HUB, 'us-east-1'))),
      of(scopeOf(snapshot(MEMBER))),
      of(scopeOf(snapshot(MEMBER, 'us-east-1'))),
      of(scopeOf(snapshot(MEMBER))),
    ]);
    expect(clients.size).toBe(4);
  });

  it('refuse a member account’s source when no member role is configured, saying what to deploy', () => {
    const of = clientsByScope({ account: HUB, region: 'eu-west-1' }, () => ({}));
    expect(() => of(scopeOf(snapshot(MEMBER)))).toThrow(ConfigurationError);
    expect(() => of(scopeOf(snapshot(MEMBER)))).toThrow(/MEMBER_ROLE_NAME.*serverless\.member\.yml/);
  });
});
