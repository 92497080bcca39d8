import { DescribeExportTasksCommand } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '#bin/command.ts';
import { memberRoleNameOf, operatorRds } from '#bin/ops/member-operator.ts';
import { scopeOf } from '#shared/aws/accounts.ts';
import { ConfigurationError } from '#shared/contract/errors.ts';
import { startStsRdsEndpoint } from '#test/helpers/sts-rds-endpoint.ts';

// The operator's RDS clients against one local endpoint answering STS AssumeRole and RDS
// DescribeExportTasks (the Query protocol of both): the member's operator role is assumed with the
// operator's own credentials, and a role STS refuses says which and what to deploy.
const HUB = '111111111111';
const MEMBER = '222222222222';
const OPERATOR = { accessKeyId: 'AKIAOPERATOR', secretAccessKey: 'operator-secret' };
const snapshot = (account: string) => `arn:aws:rds:eu-west-1:${account}:snapshot:orders-1`;

// The operator role is the only one STS lets the operator assume.
let sts: Awaited<ReturnType<typeof startStsRdsEndpoint>>;
let endpoint: string;
const seen = () =>
  sts.seen.map((s) => ({ action: s.action, roleArn: s.params.get('RoleArn'), accessKey: s.accessKey }));

beforeAll(async () => {
  sts = await startStsRdsEndpoint({ refuse: (role) => !role.endsWith('/rds-export-dev-member-operator') });
  endpoint = sts.endpoint;
});
afterAll(() => sts.close());
beforeEach(() => {
  sts.seen.length = 0;
});

const clients = (memberRole: string) =>
  operatorRds(
    { account: HUB, region: 'eu-west-1', memberRole },
    { endpoint, region: 'eu-west-1', credentials: OPERATOR, maxAttempts: 1 },
    { endpoint, region: 'eu-west-1', credentials: OPERATOR },
  );

describe("the operator's RDS clients", () => {
  it("call a member's RDS with its operator role, assumed with the operator's own credentials", async () => {
    await clients('rds-export-dev-member-operator')(scopeOf(snapshot(MEMBER))).send(
      new DescribeExportTasksCommand({}),
    );
    expect(seen()).toEqual([
      {
        action: 'AssumeRole',
        roleArn: `arn:aws:iam::${MEMBER}:role/rds-export-dev-member-operator`,
        accessKey: OPERATOR.accessKeyId,
      },
      { action: 'DescribeExportTasks', roleArn: null, accessKey: `ASIA${MEMBER}` },
    ]);
  });

  it("call the deployment's own RDS with the operator's credentials, assuming nothing", async () => {
    const of = clients('rds-export-dev-member-operator');
    expect(of(scopeOf(snapshot(HUB)))).toBe(of());
    await of().send(new DescribeExportTasksCommand({}));
    expect(seen().map((s) => [s.action, s.accessKey])).toEqual([
      ['DescribeExportTasks', OPERATOR.accessKeyId],
    ]);
  });

  it('say which role in which account STS refused, and which member stack parameter admits the operator', async () => {
    const denied = clients('not-there')(scopeOf(snapshot(MEMBER))).send(new DescribeExportTasksCommand({}));
    await expect(denied).rejects.toBeInstanceOf(ConfigurationError);
    await expect(denied).rejects.toThrow(
      `cannot assume arn:aws:iam::${MEMBER}:role/not-there in member account ${MEMBER}`,
    );
    await expect(denied).rejects.toThrow(/hubOperatorRoleArns/);
    expect(seen().map((s) => s.action)).not.toContain('DescribeExportTasks');
  });
});

describe('--member-role-name', () => {
  it("defaults to the stage's operator role, as serverless.member.yml names it", () => {
    expect(memberRoleNameOf({}, 'prod')).toBe('rds-export-prod-member-operator');
    expect(memberRoleNameOf({ 'member-role-name': 'ops-x' }, 'prod')).toBe('ops-x');
    expect(() => memberRoleNameOf({ 'member-role-name': 'a role' }, 'prod')).toThrow(UsageError);
  });
});
