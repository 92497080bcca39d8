import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { substitute, SUBSTITUTIONS } = require('../../scripts/asl-definition.cjs') as {
  substitute: (definition: unknown, substitutions: Record<string, string>, file?: string) => unknown;
  SUBSTITUTIONS: Record<string, string>;
};
const { deriveScopes } = require('../../scripts/policy-scopes.cjs') as {
  deriveScopes: (
    policy: unknown,
    defaults: Record<string, unknown>,
    slack: string,
  ) => Record<string, unknown[]>;
};

/** `${name}` as the ASL file spells it. */
const placeholder = (name: string) => `$${'{'}${name}}`;
const task = (functionName: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: functionName, 'Payload.$': '$' },
});

describe('ASL placeholder substitution (scripts/asl-definition.cjs)', () => {
  it('replaces each function placeholder with the ARN of the function it names', () => {
    const definition = { States: { Start: task(placeholder('StartExportFunctionArn')) } };
    expect(substitute(definition, { StartExportFunctionArn: 'StartExportLambdaFunction' })).toEqual({
      States: {
        Start: {
          ...task(''),
          Parameters: {
            FunctionName: { 'Fn::GetAtt': ['StartExportLambdaFunction', 'Arn'] },
            'Payload.$': '$',
          },
        },
      },
    });
  });

  it('fails on a placeholder that has no substitution, naming where it is', () => {
    const definition = {
      States: {
        Start: task(placeholder('StartExportFunctionArn')),
        Typo: task(placeholder('NotifyFunctionARN')),
      },
    };
    expect(() => substitute(definition, { StartExportFunctionArn: 'StartExportLambdaFunction' })).toThrow(
      /placeholder without a substitution at \$\.States\.Typo\.Parameters\.FunctionName: \$\{NotifyFunctionARN\}/,
    );
  });

  it('fails on a substitution the definition never uses', () => {
    expect(() => substitute({ States: {} }, { NotifyFunctionArn: 'NotifyLambdaFunction' })).toThrow(
      /substitution \$\{NotifyFunctionArn\} is never used/,
    );
  });

  it('maps the four contract placeholders to the four task functions', () => {
    expect(SUBSTITUTIONS).toEqual({
      StartExportFunctionArn: 'StartExportLambdaFunction',
      CheckExportFunctionArn: 'CheckExportLambdaFunction',
      RegisterExportFunctionArn: 'RegisterExportLambdaFunction',
      NotifyFunctionArn: 'NotifyLambdaFunction',
    });
  });
});

describe('IAM scopes derived from the policy (scripts/policy-scopes.cjs)', () => {
  const defaults = {
    bucketName: { Ref: 'ExportBucket' },
    kmsKeyArn: 'arn:default-key',
    roleArn: 'arn:default-role',
  };
  const policy = (kmsKey: string) => ({
    defaults: { export: {} },
    rules: [
      { name: 'skip-tests', action: 'skip', match: {} },
      {
        name: 'archive',
        action: 'export',
        match: {},
        export: { bucket: 'archive', kmsKey, role: 'arn:aws:iam::1:role/r' },
      },
    ],
  });

  it('adds the bucket, key and role a rule names to the defaults', () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/0f3c1b2a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const scopes = deriveScopes(policy(key), defaults, '');
    expect(scopes.kmsKeyArns).toEqual(['arn:default-key', key]);
    expect(scopes.exportRoleArns).toEqual(['arn:default-role', 'arn:aws:iam::1:role/r']);
    expect(JSON.stringify(scopes.bucketAndObjectArns)).toContain('"Bucket":"archive"');
  });

  it('refuses a key alias, which cannot scope kms:CreateGrant, naming the rule field', () => {
    expect(() => deriveScopes(policy('alias/exports'), defaults, '')).toThrow(
      /export-policy\.yml: rules\[1\]\.export\.kmsKey: must be a KMS key ARN or key ID/,
    );
  });

  it('scopes the Slack parameter with or without its leading slash', () => {
    const withSlash = deriveScopes(policy('0f3c1b2a-4d5e-4f60-8a7b-9c0d1e2f3a4b'), defaults, '/ops/slack');
    const without = deriveScopes(policy('0f3c1b2a-4d5e-4f60-8a7b-9c0d1e2f3a4b'), defaults, 'ops/slack');
    expect(withSlash.slackParameterArn).toEqual(without.slackParameterArn);
    expect(JSON.stringify(withSlash.slackParameterArn)).toContain(':parameter/ops/slack"');
  });
});
