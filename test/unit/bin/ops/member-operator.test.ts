import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeExportTasksCommand } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '#bin/command.ts';
import { memberRoleNameOf, operatorRds } from '#bin/ops/member-operator.ts';
import { scopeOf } from '#shared/aws/accounts.ts';
import { ConfigurationError } from '#shared/contract/errors.ts';

// The operator's RDS clients against one local endpoint answering STS AssumeRole and RDS
// DescribeExportTasks (the Query protocol of both): the member's operator role is assumed with the
// operator's own credentials, and a role STS refuses says which and what to deploy.
const HUB = '111111111111';
const MEMBER = '222222222222';
const OPERATOR = { accessKeyId: 'AKIAOPERATOR', secretAccessKey: 'operator-secret' };
const snapshot = (account: string) => `arn:aws:rds:eu-west-1:${account}:snapshot:orders-1`;

interface Seen {
  action: string;
  roleArn: string | null;
  accessKey: string | undefined;
}
const seen: Seen[] = [];
let server: Server;
let endpoint: string;

const body = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on('end', () => resolve(text));
  });

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const params = new URLSearchParams(await body(request));
    const action = params.get('Action') ?? '';
    const roleArn = params.get('RoleArn');
    seen.push({
      action,
      roleArn,
      accessKey: /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1],
    });
    response.setHeader('content-type', 'text/xml');
    if (action === 'AssumeRole' && !roleArn?.endsWith('/rds-export-dev-member-operator')) {
      // STS's refusal: 403 AccessDenied (AWS Knowledge Center, "iam-assume-role-error").
      response.statusCode = 403;
      response.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::${HUB}:user/ops is not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
      );
      return;
    }
    if (action === 'AssumeRole') {
      const expires = new Date(Date.now() + 3600_000).toISOString();
      response.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAMEMBER</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>${expires}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>${roleArn}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
      return;
    }
    response.end(
      '<DescribeExportTasksResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeExportTasksResult><ExportTasks></ExportTasks></DescribeExportTasksResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></DescribeExportTasksResponse>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
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
    expect(seen).toEqual([
      {
        action: 'AssumeRole',
        roleArn: `arn:aws:iam::${MEMBER}:role/rds-export-dev-member-operator`,
        accessKey: OPERATOR.accessKeyId,
      },
      { action: 'DescribeExportTasks', roleArn: null, accessKey: 'ASIAMEMBER' },
    ]);
  });

  it("call the deployment's own RDS with the operator's credentials, assuming nothing", async () => {
    const of = clients('rds-export-dev-member-operator');
    expect(of(scopeOf(snapshot(HUB)))).toBe(of());
    await of().send(new DescribeExportTasksCommand({}));
    expect(seen.map((s) => [s.action, s.accessKey])).toEqual([['DescribeExportTasks', OPERATOR.accessKeyId]]);
  });

  it('say which role in which account STS refused, and which member stack parameter admits the operator', async () => {
    const denied = clients('not-there')(scopeOf(snapshot(MEMBER))).send(new DescribeExportTasksCommand({}));
    await expect(denied).rejects.toBeInstanceOf(ConfigurationError);
    await expect(denied).rejects.toThrow(
      `cannot assume arn:aws:iam::${MEMBER}:role/not-there in member account ${MEMBER}`,
    );
    await expect(denied).rejects.toThrow(/hubOperatorRoleArns/);
    expect(seen.map((s) => s.action)).not.toContain('DescribeExportTasks');
  });
});

describe('--member-role-name', () => {
  it("defaults to the stage's operator role, as serverless.member.yml names it", () => {
    expect(memberRoleNameOf({}, 'prod')).toBe('rds-export-prod-member-operator');
    expect(memberRoleNameOf({ 'member-role-name': 'ops-x' }, 'prod')).toBe('ops-x');
    expect(() => memberRoleNameOf({ 'member-role-name': 'a role' }, 'prod')).toThrow(UsageError);
  });
});
