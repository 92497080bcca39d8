import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyError } from '#shared/contract/errors.ts';
import { loadPolicyFile, parsePolicy } from '#shared/policy/load.ts';

const errorOf = (yaml: string): string => {
  try {
    parsePolicy(yaml, 'export-policy.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as Error).message;
  }
  throw new Error('expected the policy to be rejected');
};

const rules = (body: string) => `version: 1\nrules:\n${body}`;

describe('parsePolicy', () => {
  it('parses a full policy into typed, frozen settings with defaults filled in', () => {
    const policy = parsePolicy(
      rules(`  - name: prod-postgres
    match:
      kind: [db-snapshot, cluster-snapshot]
      identifier: "orders-*"
      engine: [postgres, aurora-postgresql]
      snapshotType: automated
      tags: { env: prod }
    action: export
    export:
      bucket: my-exports
      prefix: "exports/{source}/{year}/{month}"
      exportOnly: [mydb.public.orders]
      minIntervalHours: 24
      maxSnapshotSizeGB: 500
      maxConcurrentExports: 3
      queueAlertAfterMinutes: 90
  - name: rest
    action: skip
    reason: not wanted
`),
      'p.yml',
    );
    expect(policy.defaults).toEqual({ export: {}, notifySkipped: false });
    expect(policy.rules[0]).toMatchObject({
      match: { identifier: ['orders-*'], snapshotType: ['automated'], tags: { env: 'prod' } },
      export: { maxConcurrentExports: 3, exportOnly: ['mydb.public.orders'] },
    });
    expect(policy.rules[1]).toEqual({ name: 'rest', match: {}, action: 'skip', reason: 'not wanted' });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.rules[0]?.match)).toBe(true);
  });

  it('names the file, the field and the limit: rules[2].export.maxConcurrentExports must be at most 5', () => {
    const message = errorOf(
      rules(`  - { name: a, action: export }
  - { name: b, action: export }
  - name: c
    action: export
    export: { maxConcurrentExports: 7 }
`),
    );
    expect(message).toBe('export-policy.yml: rules[2].export.maxConcurrentExports: must be at most 5');
  });

  it.each([
    ['a missing version', 'rules: [{ name: a, action: export }]', 'version: must be 1'],
    ['an empty rule list', 'version: 1\nrules: []', 'rules: must have at least 1 entry'],
    [
      'an unknown action',
      rules('  - { name: a, action: frob }'),
      'rules[0].action: must be "export" or "skip"',
    ],
    ['a rule without a name', rules('  - { action: export }'), 'rules[0].name: is required'],
    [
      'a misspelt field',
      rules('  - { name: a, action: export, export: { buckt: x } }'),
      'rules[0].export.buckt: unknown field',
    ],
    [
      'an unknown kind',
      rules('  - { name: a, action: export, match: { kind: volume } }'),
      'rules[0].match.kind[0]: must be "db-snapshot" or "cluster-snapshot" or "cluster"',
    ],
    [
      'zero concurrency',
      rules('  - { name: a, action: export, export: { maxConcurrentExports: 0 } }'),
      'rules[0].export.maxConcurrentExports: must be at least 1',
    ],
    [
      'a text where a number belongs',
      rules('  - { name: a, action: export, export: { minIntervalHours: daily } }'),
      'rules[0].export.minIntervalHours: must be a number',
    ],
    [
      'an unknown prefix placeholder',
      rules('  - { name: a, action: export, export: { prefix: "x/{foo}" } }'),
      'rules[0].export.prefix: unknown placeholder {foo}',
    ],
    [
      'a duplicate rule name',
      rules('  - { name: a, action: export }\n  - { name: a, action: skip }'),
      'rules[1].name: duplicate rule name (also rules[0])',
    ],
    [
      'an export block on a skip rule',
      rules('  - { name: a, action: skip, export: {} }'),
      'rules[0].export: unknown field',
    ],
    [
      'a bucket that is no bucket name',
      rules('  - { name: a, action: export, export: { bucket: My_Bucket } }'),
      'rules[0].export.bucket: must be an S3 bucket name',
    ],
    [
      'defaults with exportOnly',
      'version: 1\ndefaults: { export: { exportOnly: [db] } }\nrules: [{ name: a, action: export }]',
      'defaults.export.exportOnly: unknown field',
    ],
  ])('rejects %s naming the field', (_, yaml, expected) => {
    expect(errorOf(yaml)).toContain(`export-policy.yml: ${expected}`);
  });

  it('refuses a KMS alias as a rule key at load time, in the words the deployment uses too', () => {
    expect(errorOf(rules('  - { name: a, action: export, export: { kmsKey: alias/exports } }'))).toBe(
      'export-policy.yml: rules[0].export.kmsKey: must be a KMS key ARN or key ID, not an alias (IAM cannot scope kms:CreateGrant to an alias)',
    );
  });

  it('refuses a rule role that is not an IAM role ARN', () => {
    expect(
      errorOf(rules('  - { name: a, action: export, export: { role: "arn:aws:s3:::bucket" } }')),
    ).toContain('rules[0].export.role: must be an IAM role ARN');
  });

  it('checks exportOnly at load time against the engine family the rule pins', () => {
    const message = errorOf(
      rules(`  - name: mysql-tables
    match: { engine: [mysql, aurora-mysql] }
    action: export
    export: { exportOnly: [shop.public.orders, shop.orders] }
`),
    );
    expect(message).toBe(
      'export-policy.yml: rules[0].export.exportOnly[0]: "shop.public.orders" has 3 parts; mysql-family engines take database or database.table',
    );
  });

  it('accepts database.schema.table when the rule pins PostgreSQL engines', () => {
    const yaml = rules(
      '  - { name: a, action: export, match: { engine: "*postgres*" }, export: { exportOnly: [db.public.t, db.s, db] } }',
    );
    expect(parsePolicy(yaml, 'p.yml').rules[0]?.action).toBe('export');
  });

  it('applies the name rules at load time even when no engine is pinned', () => {
    expect(errorOf(rules('  - { name: a, action: export, export: { exportOnly: ["my-db.t"] } }'))).toContain(
      'rules[0].export.exportOnly[0]: "my-db.t": "my-db" has characters outside A-Z a-z 0-9 $ _',
    );
    expect(errorOf(rules('  - { name: a, action: export, export: { exportOnly: ["a.b.c.d"] } }'))).toContain(
      'rules[0].export.exportOnly[0]: "a.b.c.d" has 4 parts',
    );
  });

  it('reports YAML syntax errors with the line, and an empty file as such', () => {
    expect(errorOf('version: 1\nrules:\n  - name: a\n  action: x\n: bad')).toMatch(
      /^export-policy.yml: line \d+, column \d+: /,
    );
    expect(errorOf('')).toBe('export-policy.yml: the policy is empty; expected version: 1 and rules');
  });
});

describe('loadPolicyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads and validates a file, naming it in errors', () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      'version: 1\nrules: [{ name: a, action: export, export: { maxConcurrentExports: 6 } }]\n',
    );
    expect(() => loadPolicyFile(file)).toThrow(
      `${file}: rules[0].export.maxConcurrentExports: must be at most 5`,
    );
  });

  it('fails with PolicyError naming an unreadable file', () => {
    expect(() => loadPolicyFile(join(dir, 'missing.yml'))).toThrow(
      /missing\.yml: cannot read the policy file \(ENOENT\)/,
    );
  });

  it('accepts the sample export-policy.yml at the repository root', () => {
    const policy = loadPolicyFile(new URL('../../../../export-policy.yml', import.meta.url).pathname);
    expect(policy.rules.map((r) => r.name)).toEqual(['manual-and-backup', 'automated-daily']);
  });
});
