import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the endpoint answered: its action, parameters, and the credentials that signed it. */
export interface SeenRequest {
  action: string;
  params: URLSearchParams;
  /** The access key ID of the request's signature (SigV4 `Credential=<key>/…`). */
  accessKey: string | undefined;
  /** The session token, sent by temporary credentials (`x-amz-security-token`). */
  token: string | undefined;
}

const body = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on('end', () => resolve(text));
  });

/**
 * A local endpoint answering STS AssumeRole and RDS DescribeExportTasks (no tasks), in the Query
 * protocol both clients speak (their models' `awsQuery`), on 127.0.0.1 and a port chosen at run
 * time, recording who asked with which credentials. AssumeRole hands out credentials named after
 * the role's account (`ASIA<account>`, `token-<account>`), unless `refuse(roleArn)`: then STS's
 * refusal, 403 AccessDenied (AWS Knowledge Center, "iam-assume-role-error": "An error occurred
 * (AccessDenied) when calling the AssumeRole operation").
 */
export async function startStsRdsEndpoint(options: { refuse?: (roleArn: string) => boolean } = {}) {
  const seen: SeenRequest[] = [];
  const server = createServer(async (request, response) => {
    const params = new URLSearchParams(await body(request));
    const action = params.get('Action') ?? '';
    seen.push({
      action,
      params,
      accessKey: /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1],
      token: request.headers['x-amz-security-token'] as string | undefined,
    });
    response.setHeader('content-type', 'text/xml');
    const roleArn = params.get('RoleArn') ?? '';
    if (action === 'AssumeRole' && options.refuse?.(roleArn)) {
      response.statusCode = 403;
      response.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::111111111111:user/ops is not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
      );
      return;
    }
    if (action === 'AssumeRole') {
      const account = /iam::(\d{12}):/.exec(roleArn)?.[1];
      const expires = new Date(Date.now() + 3600_000).toISOString();
      response.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIA${account}</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token-${account}</SessionToken><Expiration>${expires}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>${roleArn}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
      return;
    }
    response.end(
      '<DescribeExportTasksResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeExportTasksResult><ExportTasks></ExportTasks></DescribeExportTasksResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></DescribeExportTasksResponse>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
