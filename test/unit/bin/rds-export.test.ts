import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { exportTaskIdentifier } from '#shared/sources/identifiers.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const events = (name: string) => join(root, 'test/events', name);
const dir = mkdtempSync(join(tmpdir(), 'rds-export-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const destination = [
  '--bucket',
  'cli-exports',
  '--kms-key',
  'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4444-4222-8333-944455556666',
  '--role',
  'arn:aws:iam::123456789012:role/cli-export',
];

/** Runs the real bin shim in a child process, with no AWS settings from the developer's shell. */
async function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AWS_|EXPORT_|STATE_MACHINE_ARN)/.test(k)),
  );
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin/rds-export.js'), ...args],
      {
        cwd: root,
        env: { ...clean, ...env },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('rds-export plan', () => {
  it('prints exactly one JSON object with the export task identifier and the exact StartExportTask request', async () => {
    const { code, stdout } = await run([
      'plan',
      '--event',
      events('rds-db-snapshot-manual-created.json'),
      '--snapshot',
      events('snapshots/db-snapshot-manual.json'),
      '--json',
      ...destination,
    ]);
    expect(code).toBe(0);
    const arn = 'arn:aws:rds:us-east-1:123456789012:snapshot:orders-before-migration';
    expect(JSON.parse(stdout)).toEqual({
      action: 'export',
      rule: 'manual-and-backup',
      reason: 'rule "manual-and-backup" matched',
      exportTaskIdentifier: exportTaskIdentifier({ arn, at: '2024-05-01T09:10:03.512Z' }),
      request: {
        ExportTaskIdentifier: exportTaskIdentifier({ arn, at: '2024-05-01T09:10:03.512Z' }),
        SourceArn: arn,
        S3BucketName: 'cli-exports',
        IamRoleArn: 'arn:aws:iam::123456789012:role/cli-export',
        KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4444-4222-8333-944455556666',
        S3Prefix: 'exports/orders-db/2024/05/01',
      },
    });
  });

  it("plans a member account's snapshot as the hub does: its account, export role, folder and quota pool", async () => {
    // The event and snapshot as a member account (222222222222) emits and describes them.
    const member = (name: string) => {
      const path = join(dir, `member-${name.replace('/', '-')}`);
      writeFileSync(path, readFileSync(events(name), 'utf8').replaceAll('123456789012', '222222222222'));
      return path;
    };
    const hub = ['--hub-account', '123456789012', '--hub-region', 'us-east-1'];
    const args = [
      'plan',
      '--event',
      member('rds-db-snapshot-manual-created.json'),
      '--snapshot',
      member('snapshots/db-snapshot-manual.json'),
      ...destination,
      ...hub,
      '--member-export-role-name',
      'rds-export-dev-member-export',
    ];
    const { code, stdout } = await run(args);
    expect(code).toBe(0);
    expect(stdout).toContain('Account:   222222222222, us-east-1 (member account)');
    expect(stdout).toMatch(
      /Destination: s3:\/\/cli-exports\/222222222222\/exports\/orders-db\/2024\/05\/01\/orders-/,
    );
    expect(stdout).toContain('Quota pool: rds exports of 222222222222/us-east-1, at most 5 at once');
    expect(stdout).toContain('"IamRoleArn": "arn:aws:iam::222222222222:role/rds-export-dev-member-export"');

    const own = await run([
      'plan',
      '--event',
      events('rds-db-snapshot-manual-created.json'),
      '--snapshot',
      events('snapshots/db-snapshot-manual.json'),
      ...destination,
      ...hub,
    ]);
    expect(own.stdout).toContain("Account:   123456789012, us-east-1 (the deployment's own)");
    expect(own.stdout).toContain(
      "Quota pool: rds exports of the deployment's account and Region, at most 5 at once",
    );

    const bad = await run([...args.slice(0, 5), '--hub-account', 'hub']);
    expect(bad).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--hub-account: must be a 12-digit account ID/),
    });
  });

  it('takes the destination from EXPORT_BUCKET, EXPORT_KMS_KEY_ARN and EXPORT_ROLE_ARN when no flags are given', async () => {
    const { code, stdout } = await run(
      [
        'plan',
        '--event',
        events('rds-cluster-snapshot-manual-created.json'),
        '--snapshot',
        events('snapshots/cluster-snapshot-manual.json'),
        '--json',
      ],
      {
        EXPORT_BUCKET: 'env-bucket',
        EXPORT_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-5555-4222-8333-944455556666',
        EXPORT_ROLE_ARN: 'arn:aws:iam::123456789012:role/env',
      },
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout).request).toMatchObject({
      S3BucketName: 'env-bucket',
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-5555-4222-8333-944455556666',
    });
  });

  it.each([
    ['--bucket', 'b', /^rds-export plan: --bucket \(or EXPORT_BUCKET\) "b": must be an S3 bucket name/],
    [
      '--role',
      'exporter',
      /^rds-export plan: --role \(or EXPORT_ROLE_ARN\) "exporter": must be an IAM role ARN/,
    ],
    [
      '--kms-key',
      'alias/exports',
      /^rds-export plan: --kms-key \(or EXPORT_KMS_KEY_ARN\) "alias\/exports": must be a KMS key ARN or key ID, not an alias/,
    ],
  ])('exits 2 with one line naming %s when it is invalid (%s)', async (option, value, message) => {
    const args = [...destination];
    args[args.indexOf(option) + 1] = value;
    const { code, stderr, stdout } = await run([
      'plan',
      '--event',
      events('rds-db-snapshot-manual-created.json'),
      '--snapshot',
      events('snapshots/db-snapshot-manual.json'),
      ...args,
    ]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('exits 2 for a KMS alias in EXPORT_KMS_KEY_ARN, the same rule as the policy and the deployment', async () => {
    const { code, stderr } = await run(
      [
        'plan',
        '--event',
        events('rds-db-snapshot-manual-created.json'),
        '--snapshot',
        events('snapshots/db-snapshot-manual.json'),
      ],
      {
        EXPORT_BUCKET: 'env-bucket',
        EXPORT_KMS_KEY_ARN: 'alias/env',
        EXPORT_ROLE_ARN: 'arn:aws:iam::123456789012:role/env',
      },
    );
    expect(code).toBe(2);
    expect(stderr).toContain('must be a KMS key ARN or key ID, not an alias');
  });

  it('shows the decision, the request and the estimated cost in human output', async () => {
    const { code, stdout } = await run([
      'plan',
      '--event',
      events('rds-db-snapshot-automated-created.json'),
      '--snapshot',
      events('snapshots/db-snapshot-automated.json'),
      ...destination,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('Decision:  EXPORT (rule "automated-daily")');
    expect(stdout).toContain('"S3BucketName": "cli-exports"');
    expect(stdout).toMatch(/Estimated cost: ~\$1\.20 \(estimate: 120 GB x \$0\.010\/GB/);
    expect(stdout).toContain('minIntervalHours 24 not checked');
  });

  it('prints a skip decision with exit 0 for an RDS event that names no new snapshot', async () => {
    const { code, stdout } = await run([
      'plan',
      '--event',
      events('rds-db-snapshot-creating.json'),
      '--json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      action: 'skip',
      rule: null,
      reason: 'RDS-EVENT-0040: snapshot is still being created (manual DB snapshot)',
    });
  });

  it('prints the rule and reason of a skip rule', async () => {
    const policy = join(dir, 'skip.yml');
    writeFileSync(policy, 'version: 1\nrules: [{ name: paused, action: skip, reason: exports paused }]\n');
    const { code, stdout } = await run([
      'plan',
      '--event',
      events('backup-job-completed-rds.json'),
      '--snapshot',
      events('snapshots/db-snapshot-awsbackup.json'),
      '--policy',
      policy,
      '--json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ action: 'skip', rule: 'paused', reason: 'exports paused' });
  });

  it.each([
    [
      'an unreadable event file',
      ['--event', 'no-such-event.json'],
      /cannot read event file no-such-event\.json: ENOENT/,
    ],
    [
      'an event that is not an RDS or Backup event',
      ['--event', 'package.json'],
      /is not an RDS or AWS Backup snapshot event/,
    ],
    [
      'a snapshot file for another snapshot',
      [
        '--event',
        events('rds-db-snapshot-manual-created.json'),
        '--snapshot',
        events('snapshots/db-snapshot-automated.json'),
      ],
      /describes arn:aws:rds:.*rds:snapshot-replica.*, but the event names .*orders-before-migration/,
    ],
    [
      'a snapshot file that is not a snapshot',
      ['--event', events('rds-db-snapshot-manual-created.json'), '--snapshot', 'package.json'],
      /Not a DBSnapshot or DBClusterSnapshot/,
    ],
    ['a missing --event', [], /--event <event\.json> or --schedule <name> is required/],
  ])('exits 2 for %s, naming the problem', async (_, args, message) => {
    const { code, stderr, stdout } = await run(['plan', ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('exits 2 for an invalid policy, naming the field', async () => {
    const policy = join(dir, 'bad.yml');
    writeFileSync(
      policy,
      'version: 1\nrules: [{ name: a, action: export, export: { maxConcurrentExports: 8 } }]\n',
    );
    const { code, stderr } = await run([
      'plan',
      '--event',
      events('rds-db-snapshot-manual-created.json'),
      '--policy',
      policy,
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${policy}: rules[0].export.maxConcurrentExports: must be at most 5`);
  });

  it('exits 2 for an unknown flag or command', async () => {
    expect((await run(['plan', '--frobnicate'])).code).toBe(2);
    expect((await run(['apply'])).stderr).toMatch(/unknown command "apply"/);
  });

  it('checks minIntervalHours against the record of the last export (--exports-table, --state-machine-arn)', async () => {
    const sm = 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export';
    const targets: string[] = [];
    // One local endpoint speaking the JSON protocols of DynamoDB and Step Functions (X-Amz-Target),
    // on a port chosen now: the last export of the source is yesterday's, and it succeeded.
    const server = createServer((req, res) => {
      const target = String(req.headers['x-amz-target']);
      targets.push(target);
      const body = target.endsWith('.GetItem')
        ? {
            Item: {
              pk: { S: 'last-export#db-snapshot#snapshot-replica' },
              sk: { S: 'last' },
              executionName: { S: 'yesterday' },
              exportTaskIdentifier: { S: 'yesterday' },
              snapshotArn: {
                S: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:snapshot-replica-2018-10-05-12-24',
              },
              snapshotTime: { S: '2018-10-06T02:00:00.000Z' },
              startedAt: { S: '2018-10-06T02:05:00.000Z' },
            },
          }
        : { executionArn: `${sm}:yesterday`, stateMachineArn: sm, name: 'yesterday', status: 'SUCCEEDED' };
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { code, stdout } = await run(
        [
          'plan',
          '--event',
          events('rds-db-snapshot-automated-created.json'),
          '--snapshot',
          events('snapshots/db-snapshot-automated.json'),
          '--state-machine-arn',
          sm,
          '--exports-table',
          'rds-export-prod-exports',
          '--json',
          ...destination,
        ],
        {
          AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${port}`,
          AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
        },
      );
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({
        action: 'skip',
        rule: 'automated-daily',
        reason: expect.stringMatching(
          /^snapshot-replica was exported by yesterday \(SUCCEEDED, .*within minIntervalHours 24$/,
        ),
      });
      expect(targets).toEqual(['DynamoDB_20120810.GetItem', 'AWSStepFunctions.DescribeExecution']);
    } finally {
      server.close();
    }
  });

  it('describes the snapshot through the SDK when no --snapshot is given, and skips one that is gone', async () => {
    const bodies: string[] = [];
    const snapshotXml = `<DescribeDBSnapshotsResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBSnapshotsResult><DBSnapshots><DBSnapshot>
      <DBSnapshotIdentifier>orders-before-migration</DBSnapshotIdentifier><DBInstanceIdentifier>orders-db</DBInstanceIdentifier>
      <Engine>postgres</Engine><AllocatedStorage>800</AllocatedStorage><SnapshotCreateTime>2024-05-01T09:10:03.512Z</SnapshotCreateTime>
      <DBSnapshotArn>arn:aws:rds:us-east-1:123456789012:snapshot:orders-before-migration</DBSnapshotArn>
      <TagList><Tag><Key>env</Key><Value>prod</Value></Tag></TagList>
      </DBSnapshot></DBSnapshots></DescribeDBSnapshotsResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DescribeDBSnapshotsResponse>`;
    const notFoundXml = `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>DBSnapshotNotFound</Code>
      <Message>DBSnapshot not found: orders-before-migration</Message></Error><RequestId>r-2</RequestId></ErrorResponse>`;
    // A local endpoint speaking the RDS Query protocol, on a port chosen now: first found, then gone.
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        bodies.push(body);
        const found = bodies.length === 1;
        res
          .writeHead(found ? 200 : 404, { 'content-type': 'text/xml' })
          .end(found ? snapshotXml : notFoundXml);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const env = {
        AWS_ENDPOINT_URL_RDS: `http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_MAX_ATTEMPTS: '1',
      };
      const args = [
        'plan',
        '--event',
        events('rds-db-snapshot-manual-created.json'),
        '--json',
        ...destination,
      ];
      const found = await run(args, env);
      expect(found.code).toBe(0);
      expect(JSON.parse(found.stdout)).toMatchObject({
        action: 'export',
        request: { S3Prefix: 'exports/orders-db/2024/05/01' },
      });
      expect(new URLSearchParams(bodies[0])).toEqual(
        new URLSearchParams({
          Action: 'DescribeDBSnapshots',
          Version: '2014-10-31',
          DBSnapshotIdentifier: 'orders-before-migration',
        }),
      );
      const gone = await run(args, env);
      expect(gone.code).toBe(0);
      expect(JSON.parse(gone.stdout)).toMatchObject({
        action: 'skip',
        rule: null,
        reason: expect.stringMatching(/not found \(DBSnapshotNotFoundFault\)/),
      });
    } finally {
      server.close();
    }
  });

  describe('plan --schedule', () => {
    const schedulesPolicy = join(root, 'examples', 'export-policy.schedules.yml');
    const cluster = events('clusters/aurora-postgresql-cluster.json');
    const plan = (args: string[]) =>
      run(['plan', '--schedule', 'nightly-clusters', '--policy', schedulesPolicy, ...args]);

    it('prints the decision for one cluster at a slot, with the exact StartExportTask request', async () => {
      const { code, stdout } = await run([
        'plan',
        '--schedule',
        'nightly-clusters',
        '--policy',
        schedulesPolicy,
        '--cluster',
        cluster,
        '--at',
        '2024-05-02T00:30:00Z',
        '--json',
        ...destination,
      ]);
      expect(code).toBe(0);
      const out = JSON.parse(stdout);
      expect(out).toMatchObject({
        action: 'export',
        rule: 'live-clusters-nightly',
        request: {
          SourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:orders-aurora',
          S3Prefix: 'exports/cluster/orders-aurora/2024/05/02',
          S3BucketName: 'cli-exports',
        },
      });
      expect(out.exportTaskIdentifier).toMatch(/^orders-aurora-[0-9a-f]{10}$/);
      expect(out.request.ExportTaskIdentifier).toBe(out.exportTaskIdentifier);
      const again = JSON.parse(
        (await plan(['--cluster', cluster, '--at', '2024-05-02T00:30:00.000Z', '--json', ...destination]))
          .stdout,
      );
      expect(again.exportTaskIdentifier).toBe(out.exportTaskIdentifier);
      const next = JSON.parse(
        (await plan(['--cluster', cluster, '--at', '2024-05-03T00:30:00Z', '--json', ...destination])).stdout,
      );
      expect(next.exportTaskIdentifier).not.toBe(out.exportTaskIdentifier);
    });

    it("skips a cluster of an account or Region the schedule's accounts and regions do not name", async () => {
      const scoped = join(dir, 'scoped-schedules.yml');
      writeFileSync(
        scoped,
        `version: 1
rules: [{ name: all, action: export, match: { kind: cluster } }]
accounts: { "111122223333": finance-prod }
schedules:
  - { name: org, expression: rate(1 day), select: { kind: cluster, accounts: [finance-prod] } }
  - { name: eu, expression: rate(1 day), select: { kind: cluster, regions: [eu-west-1] } }
  - { name: both, expression: rate(1 day), select: { kind: cluster, accounts: ["123456789012"], regions: [us-east-1] } }
`,
      );
      const planOf = async (name: string) =>
        JSON.parse(
          (
            await run([
              'plan',
              '--schedule',
              name,
              '--policy',
              scoped,
              '--cluster',
              cluster,
              '--json',
              ...destination,
            ])
          ).stdout,
        );
      expect(await planOf('org')).toMatchObject({
        action: 'skip',
        reason: expect.stringContaining(
          "its account 123456789012 is not in the schedule's accounts (finance-prod)",
        ),
      });
      expect(await planOf('eu')).toMatchObject({
        action: 'skip',
        reason: expect.stringContaining("its Region us-east-1 is not in the schedule's regions (eu-west-1)"),
      });
      expect(await planOf('both')).toMatchObject({ action: 'export', rule: 'all' });
    });

    it('says plainly when the schedule does not select the cluster', async () => {
      const odd = join(dir, 'docdb.json');
      writeFileSync(
        odd,
        JSON.stringify({ ...JSON.parse(readFileSync(cluster, 'utf8')).DBClusters[0], Engine: 'docdb' }),
      );
      const { code, stdout } = await plan(['--cluster', odd, '--json', ...destination]);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({
        action: 'skip',
        reason: expect.stringContaining('does not select cluster'),
      });
    });

    it.each([
      [
        'an unknown schedule',
        ['--schedule', 'weekly'],
        /has no schedule "weekly" \(its schedules: nightly-clusters, weekly-graphs\)/,
      ],
      [
        'an --at that is no time',
        ['--schedule', 'nightly-clusters', '--at', 'tomorrow'],
        /--at "tomorrow": not an ISO 8601 time/,
      ],
      ['--cluster without --schedule', ['--cluster', 'x.json'], /--cluster needs --schedule/],
      [
        'a cluster file that is not JSON',
        ['--schedule', 'nightly-clusters', '--cluster', 'README.md'],
        /cluster file README\.md is not valid JSON/,
      ],
    ])('exits 2 for %s, naming the problem', async (_name, args, message) => {
      const { code, stderr } = await run(['plan', '--policy', schedulesPolicy, ...args]);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    });
  });
});
