import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DBSnapshotNotFoundFault,
  DescribeDBSnapshotsCommand,
  paginateDescribeDBSnapshots,
  RDSClient,
} from '@aws-sdk/client-rds';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callOf, classified } from '#shared/aws/classified.ts';
import { awsCause, isAwsError } from '#shared/aws/errors.ts';
import { AwsThrottledError, ExportSourceNotFoundError, PipelineError } from '#shared/contract/errors.ts';

const rdsMock = mockClient(RDSClient);
afterEach(() => rdsMock.reset());

const notFound = () =>
  new DBSnapshotNotFoundFault({ message: 'DBSnapshot snap-1 not found.', $metadata: {} });

describe('a classified client', () => {
  it("throws the pipeline's class for an AWS error, naming the call and keeping the AWS error", async () => {
    rdsMock.on(DescribeDBSnapshotsCommand).rejects(notFound());
    const rds = classified(new RDSClient({}), 'rds');
    const error = await rds
      .send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'snap-1' }))
      .catch((e) => e);
    // DBSnapshotNotFoundFault: DescribeDBSnapshots "Errors" (RDS API reference).
    expect(error).toBeInstanceOf(ExportSourceNotFoundError);
    expect(error.message).toBe(
      'DescribeDBSnapshots (DBSnapshotIdentifier=snap-1) failed: DBSnapshotNotFoundFault: DBSnapshot snap-1 not found.',
    );
    expect(awsCause(error)).toBeInstanceOf(DBSnapshotNotFoundFault);
    expect(isAwsError(error, 'DBSnapshotNotFound')).toBe(true);
    expect(isAwsError(error, 'DBClusterSnapshotNotFound')).toBe(false);
  });

  it('passes results through and leaves unwrapped clients of the class alone', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: 'a' }] });
    const rds = classified(new RDSClient({}), 'rds');
    await expect(rds.send(new DescribeDBSnapshotsCommand({}))).resolves.toMatchObject({
      DBSnapshots: [{ DBSnapshotIdentifier: 'a' }],
    });
    rdsMock.on(DescribeDBSnapshotsCommand).rejects(notFound());
    const error = await new RDSClient({}).send(new DescribeDBSnapshotsCommand({})).catch((e) => e);
    expect(error).toBeInstanceOf(DBSnapshotNotFoundFault);
  });

  it("classifies through the SDK's paginators, which need an instance of the client class", async () => {
    rdsMock
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({ DBSnapshots: [{ DBSnapshotIdentifier: 'a' }], Marker: 'm' })
      .rejectsOnce(notFound());
    const rds = classified(new RDSClient({}), 'rds');
    const seen: string[] = [];
    const run = async () => {
      for await (const page of paginateDescribeDBSnapshots({ client: rds }, {})) {
        for (const s of page.DBSnapshots ?? []) seen.push(s.DBSnapshotIdentifier ?? '');
      }
    };
    await expect(run()).rejects.toBeInstanceOf(ExportSourceNotFoundError);
    expect(seen).toEqual(['a']);
  });

  it('names the call from the operation schema, showing only members that name resources', () => {
    expect(
      callOf(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:eu-west-1:1:execution:m:e' })),
    ).toBe('DescribeExecution (executionArn=arn:aws:states:eu-west-1:1:execution:m:e)');
    // A minified bundle renames the class: the schema's operation name is what stays.
    class X extends DescribeDBSnapshotsCommand {}
    Object.defineProperty(X, 'name', { value: 'a' });
    expect(callOf(new X({ SnapshotType: 'manual', MaxRecords: 20 }))).toBe('DescribeDBSnapshots');
    expect(callOf(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'x'.repeat(200) }))).toHaveLength(
      'DescribeDBSnapshots (DBSnapshotIdentifier=)'.length + 120,
    );
  });
});

describe('a classified client on the wire', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    // Step Functions answers an awsJson1_0 error: the `__type` names it (Step Functions API
    // reference, "Common Errors": ThrottlingException, HTTP 400).
    server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('classifies after the SDK gave up retrying, not per attempt', async () => {
    const sfn = classified(
      new SFNClient({
        endpoint,
        region: 'eu-west-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      }),
      'sfn',
    );
    const error = await sfn.send(new DescribeExecutionCommand({ executionArn: 'e' })).catch((e) => e);
    expect(error).toBeInstanceOf(AwsThrottledError);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error.message).toMatch(/^DescribeExecution \(executionArn=e\) failed: ThrottlingException/);
  });
});
