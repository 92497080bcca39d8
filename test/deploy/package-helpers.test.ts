import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { KMS_KEY_ARN_RULE, KMS_KEY_RULE } from '#shared/aws/kms.ts';

const require = createRequire(import.meta.url);
const aslDefinition = require('../../scripts/asl-definition.cjs') as {
  (): { States: Record<string, { Type: string; Parameters?: { FunctionName?: unknown } }> };
  substitute: (definition: unknown, substitutions: Record<string, unknown>, file?: string) => unknown;
  functionSubstitutions: <T>(valueFor: (name: string, logicalId: string) => T) => Record<string, T>;
  SUBSTITUTIONS: Record<string, string>;
};
const { substitute, functionSubstitutions, SUBSTITUTIONS } = aslDefinition;
const { deriveScopes, checkExistingKmsKeyArn } = require('../../scripts/policy-scopes.cjs') as {
  deriveScopes: (
    policy: unknown,
    defaults: Record<string, unknown>,
    slack: string,
  ) => Record<string, unknown[]>;
  checkExistingKmsKeyArn: (value: string) => void;
};

/** `${name}` as the ASL file spells it. */
const placeholder = (name: string) => `$${'{'}${name}}`;
const task = (functionName: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: functionName, 'Payload.$': '$' },
});

describe('ASL placeholder substitution (scripts/asl-definition.cjs)', () => {
  it('replaces each placeholder with the value given for it, a string or an intrinsic', () => {
    const definition = {
      States: {
        Start: task(placeholder('StartExportFunctionArn')),
        Notify: task(placeholder('NotifyFunctionArn')),
      },
    };
    const getAtt = { 'Fn::GetAtt': ['StartExportLambdaFunction', 'Arn'] };
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:local-NotifyFunctionArn';
    expect(substitute(definition, { StartExportFunctionArn: getAtt, NotifyFunctionArn: arn })).toEqual({
      States: { Start: task(getAtt as never), Notify: task(arn) },
    });
  });

  it('deploys the real definition with each task calling its function by Fn::GetAtt', () => {
    const functions = Object.values(aslDefinition().States)
      .filter((state) => state.Type === 'Task')
      .map((state) => state.Parameters?.FunctionName);
    expect(new Set(functions.map((f) => JSON.stringify(f)))).toEqual(
      new Set(Object.values(SUBSTITUTIONS).map((id) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }))),
    );
  });

  it('fails on a placeholder inside a longer string, where no intrinsic can go', () => {
    const definition = { States: { Start: task(`prefix-${placeholder('StartExportFunctionArn')}`) } };
    expect(() => substitute(definition, { StartExportFunctionArn: 'arn' })).toThrow(
      /placeholder without a substitution at .*prefix-\$\{StartExportFunctionArn\}/,
    );
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

  it('maps the five contract placeholders to the five task functions', () => {
    expect(SUBSTITUTIONS).toEqual({
      StartExportFunctionArn: 'StartExportLambdaFunction',
      CheckExportFunctionArn: 'CheckExportLambdaFunction',
      RegisterExportFunctionArn: 'RegisterExportLambdaFunction',
      NotifyFunctionArn: 'NotifyLambdaFunction',
      WaitsFunctionArn: 'WaitsLambdaFunction',
    });
  });

  it('builds a value for each contract placeholder from its name and function', () => {
    expect(functionSubstitutions((name, logicalId) => `${name}:${logicalId}`)).toEqual(
      Object.fromEntries(Object.entries(SUBSTITUTIONS).map(([name, id]) => [name, `${name}:${id}`])),
    );
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

  it('adds each Region’s bucket and key (regions:), for the roles that export there', () => {
    const key = 'arn:aws:kms:us-west-2:123456789012:key/0f3c1b2a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const scopes = deriveScopes(
      { ...policy(key), regions: { 'us-west-2': { bucket: 'exports-us-west-2', kmsKey: key } } },
      defaults,
      '',
    );
    expect(scopes.kmsKeyArns).toEqual(['arn:default-key', key]);
    expect(JSON.stringify(scopes.bucketAndObjectArns)).toContain('"Bucket":"exports-us-west-2"');
    expect(JSON.stringify(scopes.reportObjectArns)).toContain('"Bucket":"exports-us-west-2"');
  });

  it('refuses a key alias, which cannot scope kms:CreateGrant, naming the rule field', () => {
    expect(() => deriveScopes(policy('alias/exports'), defaults, '')).toThrow(
      `export-policy.yml: rules[1].export.kmsKey: ${KMS_KEY_RULE}`,
    );
  });

  it('refuses an existing key given by alias or alias ARN, and accepts a key ARN or no key', () => {
    for (const alias of ['alias/exports', 'arn:aws:kms:eu-west-1:123456789012:alias/exports']) {
      expect(() => checkExistingKmsKeyArn(alias)).toThrow(`existingKmsKeyArn: ${KMS_KEY_ARN_RULE}`);
    }
    expect(() =>
      checkExistingKmsKeyArn('arn:aws:kms:eu-west-1:123456789012:key/0f3c1b2a-4d5e-4f60-8a7b-9c0d1e2f3a4b'),
    ).not.toThrow();
    expect(() => checkExistingKmsKeyArn('')).not.toThrow();
  });

  it('scopes the Slack parameter with or without its leading slash', () => {
    const withSlash = deriveScopes(policy('0f3c1b2a-4d5e-4f60-8a7b-9c0d1e2f3a4b'), defaults, '/ops/slack');
    const without = deriveScopes(policy('0f3c1b2a-4d5e-4f60-8a7b-9c0d1e2f3a4b'), defaults, 'ops/slack');
    expect(withSlash.slackParameterArn).toEqual(without.slackParameterArn);
    expect(JSON.stringify(withSlash.slackParameterArn)).toContain(':parameter/ops/slack"');
  });
});
