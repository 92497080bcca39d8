import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALL_SERVERS, run } from '#testkit/launch.ts';
import { type ServedStack, startServedStack, withoutAws } from '../helpers/served-stack.ts';

// The served stack driven by the AWS CLI, which signs with the real clock and, unlike the JS SDK,
// never corrects it from the server's answer (aws/aws-cli#8662): it must work for as long as the
// stack runs, also once the simulated clock is more than S3's 15 minutes of allowed skew ahead
// ("Time stamp requirement", https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAuthentication.html).
const FIFTEEN_MINUTES = 15 * 60_000;
const BUCKET = 'local-rds-exports';
let served: ServedStack;
let aws: string;
let directory: string;

/** The `aws` on PATH, or an error that says what to install. */
function findAwsCli(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'aws');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new Error(`the AWS CLI (aws) is not on PATH: ${INSTALL_SERVERS}`);
}

/**
 * Runs `aws <service> <args>` against the served stack's endpoint for `service`, with only the
 * variables the stack printed. `--endpoint-url` rather than the AWS_ENDPOINT_URL_<SERVICE> the
 * stack prints: Debian 12's awscli 2.9 predates service-specific endpoint variables.
 */
async function cli(endpoint: string, args: string[]): Promise<string> {
  const { stdout } = await run(aws, [...args, '--endpoint-url', endpoint, '--output', 'json'], {
    env: {
      ...withoutAws(),
      ...served.env,
      // No profile of this machine's, and no pager (the CLI v2 default).
      AWS_CONFIG_FILE: join(directory, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(directory, 'credentials'),
      AWS_PAGER: '',
    },
    cwd: directory,
  });
  return stdout;
}

beforeAll(async () => {
  aws = findAwsCli();
  directory = await mkdtemp(join(tmpdir(), 'aws-cli-test-'));
  served = await startServedStack(['--snapshots', '1', '--time-scale', '600']);
  // ×600: a real second is ten simulated minutes. Wait until the skew window is well behind.
  while ((await served.simulatedNow()) - Date.now() <= 2 * FIFTEEN_MINUTES) await sleep(200);
});

afterAll(async () => {
  await served?.interrupt();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('the served stack and the AWS CLI, more than 15 simulated minutes after it started', () => {
  it('puts, lists and gets an S3 object', async () => {
    const s3 = String(served.env.AWS_ENDPOINT_URL_S3);
    await writeFile(join(directory, 'note.txt'), 'written by the AWS CLI\n');
    await cli(s3, ['s3', 'cp', 'note.txt', `s3://${BUCKET}/operator/note.txt`]);
    const listed = JSON.parse(await cli(s3, ['s3api', 'list-objects-v2', '--bucket', BUCKET])) as {
      Contents: { Key: string; Size: number }[];
    };
    expect(listed.Contents).toEqual([expect.objectContaining({ Key: 'operator/note.txt', Size: 23 })]);
    expect(await cli(s3, ['s3', 'cp', `s3://${BUCKET}/operator/note.txt`, '-'])).toBe(
      'written by the AWS CLI\n',
    );
  });

  it('lists the SNS topics', async () => {
    const topics = JSON.parse(await cli(String(served.env.AWS_ENDPOINT_URL_SNS), ['sns', 'list-topics']));
    expect(topics).toEqual({
      Topics: [{ TopicArn: 'arn:aws:sns:us-east-1:123456789012:rds-export-notifications' }],
    });
  });

  it('lists the state machines and describes the export machine', async () => {
    const sfn = String(served.env.AWS_ENDPOINT_URL_SFN);
    const { stateMachines } = JSON.parse(await cli(sfn, ['stepfunctions', 'list-state-machines'])) as {
      stateMachines: { stateMachineArn: string; name: string; type: string; creationDate: unknown }[];
    };
    expect(stateMachines).toEqual([
      {
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export',
        name: 'rds-export',
        type: 'STANDARD',
        creationDate: expect.anything(),
      },
    ]);
    // CLI v1 prints timestamps as sent (epoch seconds), v2 in ISO 8601: either way, simulated time
    // at the stack's start, so ahead of the real clock.
    const created = stateMachines[0]?.creationDate;
    const createdAt = typeof created === 'number' ? created * 1000 : Date.parse(String(created));
    expect(createdAt).toBeGreaterThan(Date.now());
    expect(createdAt).toBeLessThan(await served.simulatedNow());
    const described = JSON.parse(
      await cli(sfn, [
        'stepfunctions',
        'describe-state-machine',
        '--state-machine-arn',
        String(stateMachines[0]?.stateMachineArn),
      ]),
    ) as { name: string; status: string; type: string; roleArn: string; definition: string };
    expect(described).toMatchObject({ name: 'rds-export', status: 'ACTIVE', type: 'STANDARD' });
    expect(described.roleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
    expect(Object.keys(JSON.parse(described.definition) as object)).toEqual(
      expect.arrayContaining(['StartAt', 'States', 'TimeoutSeconds']),
    );
  });

  it('answers an unknown state machine with StateMachineDoesNotExist', async () => {
    const unknown = 'arn:aws:states:us-east-1:123456789012:stateMachine:no-such-machine';
    await expect(
      cli(String(served.env.AWS_ENDPOINT_URL_SFN), [
        'stepfunctions',
        'describe-state-machine',
        '--state-machine-arn',
        unknown,
      ]),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('StateMachineDoesNotExist') });
  });
});
