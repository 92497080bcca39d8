import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedStack, startServedStack, withoutAws } from '../helpers/served-stack.ts';

// `npm start -- --serve`: the stack keeps running, and stdout holds only lines a shell can eval.
const CLI = fileURLToPath(new URL('../../bin/rds-export.js', import.meta.url));
const FIFTEEN_MINUTES = 15 * 60_000;
let served: ServedStack;
let lines: string[] = [];
let env: Record<string, string> = {};

/** A client on this process's real clock, as the AWS CLI and boto3 are: no retry corrects its clock. */
const clientConfig = (systemClockOffset = 0) => ({
  region: String(env.AWS_REGION),
  credentials: {
    accessKeyId: String(env.AWS_ACCESS_KEY_ID),
    secretAccessKey: String(env.AWS_SECRET_ACCESS_KEY),
  },
  maxAttempts: 1,
  systemClockOffset,
});

beforeAll(async () => {
  // ×600: the simulated clock is more than 15 minutes ahead of the real one within seconds.
  served = await startServedStack(['--snapshots', '2', '--time-scale', '600']);
  ({ lines, env } = served);
});

afterAll(async () => {
  await served?.interrupt();
});

describe('npm start -- --serve', () => {
  it('prints the endpoint variables, the Region and credentials, then the stage', () => {
    for (const line of lines) expect(line).toMatch(/^export [A-Z0-9_]+=\S+$/);
    const names = lines.map((l) => l.replace(/^export /, '').split('=')[0]);
    const endpoints = names.filter((n) => n?.startsWith('AWS_ENDPOINT_URL_'));
    expect(endpoints).toEqual(
      expect.arrayContaining(
        ['CLOUDFORMATION', 'DYNAMODB', 'RDS', 'S3', 'SFN', 'SNS'].map((s) => `AWS_ENDPOINT_URL_${s}`),
      ),
    );
    expect(names.slice(endpoints.length)).toEqual([
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'RDS_EXPORT_STAGE',
    ]);
    for (const line of lines.filter((l) => l.includes('AWS_ENDPOINT_URL_'))) {
      expect(line).toMatch(/=http:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  it('serves rds-export run with exactly those variables: it finds the deployment and its two snapshots', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'backfill', '--dry-run', '--json'], {
      env: { ...withoutAws(), ...env, NODE_NO_WARNINGS: '1' },
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
    });
    const plan = JSON.parse(stdout) as { snapshots: { snapshot: string; decision: string }[] };
    expect(plan.snapshots.map((s) => [s.snapshot, s.decision])).toEqual([
      ['sample-snapshot-1', 'export'],
      ['sample-snapshot-2', 'export'],
    ]);
  });

  it('answers an S3 client on the real clock after more than 15 simulated minutes, with no clock correction', async () => {
    // S3 refuses a request dated more than 15 minutes from its clock ("Time stamp requirement",
    // https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAuthentication.html#RESTAuthenticationTimeStamp).
    while ((await served.simulatedNow()) - Date.now() <= FIFTEEN_MINUTES) await sleep(200);
    const s3 = new S3Client({ ...clientConfig(), endpoint: env.AWS_ENDPOINT_URL_S3, forcePathStyle: true });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'local-rds-exports' }));
    expect(listed.$metadata.httpStatusCode).toBe(200);
    expect(listed.$metadata.attempts).toBe(1);
  });

  it('still refuses a request dated more than 15 minutes from both the real and the simulated clock', async () => {
    const s3 = new S3Client({
      ...clientConfig(-20 * 60_000),
      endpoint: env.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
    });
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'local-rds-exports' }))).rejects.toMatchObject({
      name: 'RequestTimeTooSkewed',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('lists its SNS topic and its state machine, and describes the machine with its deployed definition', async () => {
    const sns = new SNSClient({ ...clientConfig(), endpoint: env.AWS_ENDPOINT_URL_SNS });
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    expect(Topics).toEqual([{ TopicArn: 'arn:aws:sns:us-east-1:123456789012:rds-export-notifications' }]);

    const sfn = new SFNClient({ ...clientConfig(), endpoint: env.AWS_ENDPOINT_URL_SFN });
    const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines).toEqual([
      {
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export',
        name: 'rds-export',
        type: 'STANDARD',
        creationDate: expect.any(Date),
      },
    ]);
    const described = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: stateMachines?.[0]?.stateMachineArn }),
    );
    expect(described).toMatchObject({
      stateMachineArn: stateMachines?.[0]?.stateMachineArn,
      name: 'rds-export',
      status: 'ACTIVE',
      type: 'STANDARD',
      roleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\//),
      creationDate: stateMachines?.[0]?.creationDate,
    });
    // The definition as deployed: real Wait states and durations, not the local clock's scaled ones.
    const definition = JSON.parse(String(described.definition)) as {
      TimeoutSeconds: number;
      States: Record<string, { Type: string; Resource?: string }>;
    };
    const types = Object.values(definition.States).map((s) => s.Type);
    expect(types).toContain('Wait');
    expect(JSON.stringify(definition)).not.toContain('local-scaled-wait');
    expect(definition.TimeoutSeconds).toBeGreaterThan(3600);
  });

  it('stops on Ctrl-C', async () => {
    expect(served.running()).toBe(true);
    expect(await served.interrupt()).toBe(130);
  });
});
