import { existsSync } from 'node:fs';
import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import {
  type ContextEntry,
  GetRoleCommand,
  IAMClient,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { memberStackNames } from '#shared/aws/accounts.ts';
import { classified } from '#shared/aws/classified.ts';
import { isAwsError } from '#shared/aws/errors.ts';
import { globMatch } from '#shared/policy/glob.ts';
import { loadPolicyFile } from '#shared/policy/load.ts';
import { CALLER_KMS_ACTIONS } from '#shared/sources/rds/policy-statements.ts';
import { optionOrEnv, ReportedFailure, type Values } from '../command.ts';
import { type Deployment, OUTPUTS, openDeployment } from './deployment.ts';

/**
 * `rds-export doctor`: checks, before the first export, that the deployment's own account is set up
 * for it. Every call it makes reads or evaluates (Get*, Describe*, List*, SimulatePrincipalPolicy);
 * none changes the account (test/unit/bin/ops/doctor.test.ts asserts it).
 *
 * What it does not prove: the simulator evaluates the principal's identity-based policies only (no
 * resource policy is passed), so the KMS key policy, which KMS requires to allow the use, is not
 * evaluated: the key's own policy is not read (the CLI has no KMS client), only the role's IAM side.
 * Conditions of the trust policy and of the bucket policy are not evaluated, SCPs and permission
 * boundaries only as far as the simulator applies them, and nothing is written: an export can still
 * fail for reasons only RDS sees (the snapshot's engine, the key's state).
 */

export interface CheckResult {
  check: string;
  ok: boolean;
  detail: string;
  /** How to fix a failed check. */
  fix?: string;
}

export interface DoctorClients {
  iam: IAMClient;
  kms: KMSClient;
  s3: S3Client;
  /** The KMS and S3 clients of another Region, for its destination (the policy's `regions:`). */
  inRegion?: (region: string) => { kms: KMSClient; s3: S3Client };
  events: EventBridgeClient;
  cloudformation: CloudFormationClient;
}

/** The intake rules of serverless.yml `custom.names` (rdsSnapshotRule, backupJobRule, exportEventsRule). */
export const intakeRules = (stage: string) => [
  `rds-export-${stage}-rds-snapshot-events`,
  `rds-export-${stage}-backup-job-completed`,
  `rds-export-${stage}-export-finished`,
];

/** The logical ID of start-export's role in serverless.yml (`StartExportRole`). */
export const START_EXPORT_ROLE = 'StartExportRole';

/** The service principal RDS exports assume the export role as (resources/destination.yml, ExportRole). */
export const EXPORT_SERVICE = 'export.rds.amazonaws.com';

/**
 * What the export role needs on the bucket and its objects: the actions StartExportTask's API
 * reference lists for IamRoleArn ("s3:PutObject*, s3:GetObject*, s3:ListBucket, s3:DeleteObject*,
 * s3:GetBucketLocation", on arn:aws:s3:::your-s3-bucket and arn:aws:s3:::your-s3-bucket/*). The
 * wildcards are simulated by their base actions.
 */
export const BUCKET_ACTIONS = ['s3:ListBucket', 's3:GetBucketLocation'];
export const OBJECT_ACTIONS = ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'];

/**
 * What the key must allow, as StartExportTask's API reference lists it for KmsKeyId (the grant
 * operations Encrypt, Decrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncryptFrom,
 * ReEncryptTo, CreateGrant, DescribeKey, RetireGrant); resources/destination.yml grants the export
 * role these (kms:ReEncrypt* and kms:GenerateDataKey* cover the pairs).
 */
export const KEY_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:CreateGrant',
  'kms:DescribeKey',
  'kms:RetireGrant',
];

/**
 * iam:PassedToService is the service the role is passed to (IAM user guide, "Grant a user
 * permissions to pass a role to an AWS service"). No AWS document pins the value RDS sends for
 * StartExportTask, so start-export's policy allows both (serverless.yml, PassExportRoles) and both
 * are simulated.
 */
export const PASSED_TO = ['rds.amazonaws.com', 'export.rds.amazonaws.com'];

const OPERATOR_FIX = 'grant the operator the actions docs/operations.md lists (Operator policy)';

// ---- policy documents -----------------------------------------------------------------------

const OneOrMany = z.union([z.string(), z.array(z.string())]);
const Principal = z.union([z.literal('*'), z.record(z.string(), OneOrMany)]);
const Statement = z.object({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Principal: Principal.optional(),
  NotPrincipal: Principal.optional(),
  Action: OneOrMany.optional(),
  NotAction: OneOrMany.optional(),
  Resource: OneOrMany.optional(),
  NotResource: OneOrMany.optional(),
  Condition: z.record(z.string(), z.unknown()).optional(),
});
export type Statement = z.infer<typeof Statement>;
const PolicyDocument = z.object({
  Version: z.string().optional(),
  Id: z.string().optional(),
  Statement: z.union([Statement, z.array(Statement)]),
});

/**
 * A policy document's statements. GetRole returns the trust policy URL-encoded (RFC 3986; IAM API
 * reference, GetRole: "Policies returned by this operation are URL-encoded"); S3's GetBucketPolicy
 * returns plain JSON. Throws a message naming what is wrong.
 */
export function parsePolicy(text: string, urlEncoded: boolean): Statement[] {
  let json: unknown;
  try {
    json = JSON.parse(urlEncoded ? decodeURIComponent(text) : text);
  } catch (error) {
    throw new Error(`the policy document is not JSON: ${(error as Error).message}`);
  }
  const parsed = PolicyDocument.safeParse(json);
  if (!parsed.success)
    throw new Error(`the policy document is not a policy: ${parsed.error.issues[0]?.message}`);
  const { Statement: statements } = parsed.data;
  return Array.isArray(statements) ? statements : [statements];
}

const list = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * IAM's match of an action pattern: `*` and `?` wildcards, and "the prefix and the action name are
 * case insensitive" (IAM user guide, "IAM JSON policy elements: Action"): the policy's glob match.
 */
const actionMatches = (pattern: string, action: string) => globMatch(pattern, action, { ignoreCase: true });

const principals = (principal: Statement['Principal'], type: string) =>
  principal === undefined ? [] : principal === '*' ? ['*'] : list(principal[type]);

/** Whether the trust policy lets `service` sts:AssumeRole, and what it did not evaluate. */
export function trustVerdict(statements: Statement[], service: string): { ok: boolean; detail: string } {
  const about = (st: Statement) =>
    principals(st.Principal, 'Service').some((p) => p === service || p === '*') &&
    list(st.Action).some((a) => actionMatches(a, 'sts:AssumeRole'));
  const denied = statements.filter((st) => st.Effect === 'Deny' && about(st));
  const allowed = statements.filter((st) => st.Effect === 'Allow' && about(st));
  if (denied.some((st) => st.Condition === undefined)) {
    return { ok: false, detail: `its trust policy denies ${service} sts:AssumeRole` };
  }
  if (allowed.length === 0) {
    return { ok: false, detail: `its trust policy does not let ${service} sts:AssumeRole` };
  }
  const conditions = [
    ...new Set(
      [...allowed, ...denied].flatMap((st) =>
        Object.values(st.Condition ?? {}).flatMap((c) => Object.keys(c as object)),
      ),
    ),
  ];
  return {
    ok: true,
    detail: `${service} may sts:AssumeRole${conditions.length === 0 ? '' : ` (conditions not evaluated: ${conditions.join(', ')})`}`,
  };
}

/** A statement whose effect this module evaluates: no Condition, NotPrincipal or NotAction. */
const unconditional = (st: Statement) =>
  st.Condition === undefined && st.NotPrincipal === undefined && st.NotAction === undefined;

/**
 * A resource policy's (the bucket's, the key's) statements that deny the role one of `actions`
 * without a condition: Effect Deny, Principal `*` or naming the role or its account, an Action
 * matching. Statements with a Condition, NotPrincipal or NotAction are not evaluated (counted
 * apart), nor is Resource.
 */
export function policyDenials(
  statements: Statement[],
  roleArn: string,
  actions: string[],
): { denying: Statement[]; unevaluated: number } {
  const account = roleArn.split(':')[4] ?? '';
  const partition = roleArn.split(':')[1] ?? 'aws';
  const names = new Set(['*', roleArn, account, `arn:${partition}:iam::${account}:root`]);
  const denies = statements.filter((st) => st.Effect === 'Deny');
  const denying = denies.filter(
    (st) =>
      unconditional(st) &&
      principals(st.Principal, 'AWS').some((p) => names.has(p)) &&
      list(st.Action).some((pattern) => actions.some((action) => actionMatches(pattern, action))),
  );
  return { denying, unevaluated: denies.filter((st) => !unconditional(st)).length };
}

// ---- the checks -----------------------------------------------------------------------------

/** A role's name: the last part of its ARN (`arn:aws:iam::<account>:role/<path/>name`). */
export const roleNameOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

export const failure = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  ok: false,
  detail,
  fix,
});
export const passed = (check: string, detail: string): CheckResult => ({ check, ok: true, detail });

/** A check that could not be made: the AWS error, and the operator's permissions as the likely fix. */
export function unchecked(check: string, error: unknown): CheckResult {
  const message = error instanceof Error ? error.message : String(error);
  return failure(
    check,
    `could not check: ${message}`,
    isAwsError(error, 'AccessDenied') ? OPERATOR_FIX : 'see the error',
  );
}

export interface Simulation {
  action: string;
  resource: string;
  decision: string;
  missing: string[];
}

/**
 * Simulates `actions` by `principal` on `resource`. EvalDecision is one of `allowed`,
 * `explicitDeny`, `implicitDeny` (IAM API reference, EvaluationResult); MissingContextValues lists
 * the condition keys the policies use that the call did not supply.
 */
export async function simulate(
  iam: IAMClient,
  principal: string,
  actions: string[],
  resource: string,
  context: ContextEntry[] = [],
): Promise<Simulation[]> {
  const results: Simulation[] = [];
  let marker: string | undefined;
  do {
    const out = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: principal,
        ActionNames: actions,
        ResourceArns: [resource],
        ...(context.length === 0 ? {} : { ContextEntries: context }),
        ...(marker === undefined ? {} : { Marker: marker }),
      }),
    );
    for (const r of out.EvaluationResults ?? []) {
      results.push({
        action: r.EvalActionName ?? '',
        resource: r.EvalResourceName ?? resource,
        decision: r.EvalDecision ?? 'implicitDeny',
        missing: r.MissingContextValues ?? [],
      });
    }
    marker = out.IsTruncated === true ? out.Marker : undefined;
  } while (marker !== undefined);
  return results;
}

/** One check from simulations: ok when every action is `allowed`, else each denied one and why. */
export function fromSimulations(check: string, results: Simulation[], ok: string, fix: string): CheckResult {
  const denied = results.filter((r) => r.decision !== 'allowed');
  if (denied.length === 0) return passed(check, ok);
  const each = denied.map(
    (r) =>
      `${r.action} on ${r.resource} ${r.decision}${r.missing.length === 0 ? '' : ` (context keys not supplied: ${r.missing.join(', ')})`}`,
  );
  return failure(check, each.join('; '), fix);
}

/**
 * A role, by name: its ARN and trust policy, with the check that it exists (`missing` says what is
 * absent, `fix` how to get it); no ARN when it does not exist or could not be read.
 */
export async function findRole(
  iam: IAMClient,
  name: string,
  check: string,
  { missing = `no role ${name}`, fix }: { missing?: string; fix: string },
): Promise<{ arn?: string; trust: string; result: CheckResult }> {
  try {
    const role = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role;
    const arn = role?.Arn ?? name;
    return { arn, trust: role?.AssumeRolePolicyDocument ?? '', result: passed(check, arn) };
  } catch (error) {
    if (isAwsError(error, 'NoSuchEntity')) return { trust: '', result: failure(check, missing, fix) };
    return { trust: '', result: unchecked(check, error) };
  }
}

/** Whether a role's trust policy (as GetRole returns it) lets `service` assume it. */
export function trustCheck(check: string, trust: string, service: string, fix: string): CheckResult {
  try {
    const verdict = trustVerdict(parsePolicy(trust, true), service);
    return verdict.ok ? passed(check, verdict.detail) : failure(check, verdict.detail, fix);
  } catch (error) {
    return failure(check, (error as Error).message, "fix the role's trust policy");
  }
}

async function exportRoleChecks(
  { iam }: DoctorClients,
  role: string,
): Promise<{ results: CheckResult[]; exists: boolean }> {
  const name = roleNameOf(role);
  const found = await findRole(iam, name, 'export role exists', {
    missing: `no role ${name} (${role})`,
    fix: `deploy the stack, or set existingExportRoleArn to a role that exists (${OUTPUTS.role})`,
  });
  if (found.arn === undefined) return { results: [found.result], exists: false };
  const trust = trustCheck(
    'export role trust',
    found.trust,
    EXPORT_SERVICE,
    `let ${EXPORT_SERVICE} sts:AssumeRole in the role's trust policy (resources/destination.yml, ExportRole)`,
  );
  // The check names the role as the stack outputs it.
  return { results: [{ ...found.result, detail: role }, trust], exists: true };
}

async function writesBucket(
  iam: IAMClient,
  role: string,
  bucket: string,
  prefix: string,
): Promise<CheckResult> {
  const check = 'export role writes the bucket';
  const partition = role.split(':')[1] ?? 'aws';
  const key = `${prefix === '' ? '' : `${prefix.replace(/\/+$/, '')}/`}rds-export-doctor/probe`;
  try {
    const results = [
      ...(await simulate(iam, role, BUCKET_ACTIONS, `arn:${partition}:s3:::${bucket}`)),
      ...(await simulate(iam, role, OBJECT_ACTIONS, `arn:${partition}:s3:::${bucket}/${key}`)),
    ];
    return fromSimulations(
      check,
      results,
      `${[...BUCKET_ACTIONS, ...OBJECT_ACTIONS].join(', ')} allowed on s3://${bucket}/${key}`,
      `allow the export role s3:PutObject*, s3:GetObject*, s3:ListBucket, s3:DeleteObject*, s3:GetBucketLocation on arn:${partition}:s3:::${bucket} and arn:${partition}:s3:::${bucket}/* (resources/destination.yml, ExportRoleS3Policy)`,
    );
  } catch (error) {
    return unchecked(check, error);
  }
}

async function usesKey(iam: IAMClient, role: string, key: string): Promise<CheckResult> {
  const check = 'export role uses the key';
  try {
    return fromSimulations(
      check,
      await simulate(iam, role, KEY_ACTIONS, key),
      `the role's IAM policies allow ${KEY_ACTIONS.length} key actions`,
      `allow the export role ${KEY_ACTIONS.join(', ')} on ${key} (resources/destination.yml, ExportRoleKeyPolicy)`,
    );
  } catch (error) {
    return unchecked(check, error);
  }
}

/**
 * The key actions a key policy allows the role, and how: a statement naming the role itself, or its
 * account (`arn:…:iam::<account>:root` or the bare ID), which "delegates" the decision to the
 * account's IAM policies (AWS KMS developer guide, "Default key policy": it "allows IAM policies to
 * allow access to the KMS key"), where the role's own simulation above decides. Allow statements
 * with a Condition, NotPrincipal or NotAction are not counted: their grant depends on the request.
 */
export function keyPolicyAllows(
  statements: Statement[],
  roleArn: string,
  actions: string[],
): { byRole: string[]; byAccount: string[]; conditional: number } {
  const account = roleArn.split(':')[4] ?? '';
  const partition = roleArn.split(':')[1] ?? 'aws';
  const accountNames = new Set([account, `arn:${partition}:iam::${account}:root`]);
  const allows = statements.filter((st) => st.Effect === 'Allow');
  const granted = (who: (p: string) => boolean) =>
    actions.filter((action) =>
      allows.some(
        (st) =>
          unconditional(st) &&
          principals(st.Principal, 'AWS').some(who) &&
          list(st.Action).some((pattern) => actionMatches(pattern, action)),
      ),
    );
  return {
    byRole: granted((p) => p === roleArn),
    byAccount: granted((p) => accountNames.has(p)),
    conditional: allows.filter((st) => !unconditional(st)).length,
  };
}

/**
 * The key policy: "every KMS key must have exactly one key policy" and no principal uses the key
 * unless it (or the account, delegating to IAM) is allowed there (AWS KMS developer guide, "Key
 * policies in AWS KMS"). GetKeyPolicy reads it; `default` is the only policy name (AWS KMS API
 * reference, GetKeyPolicy PolicyName).
 */
/** A resource policy read for the checks: its statements, or the check result that reading it gave. */
type ReadPolicy = { statements: Statement[]; none?: true } | { failed: (check: string) => CheckResult };

/** The key's policy (GetKeyPolicy; `default` is the only policy name: AWS KMS API reference, GetKeyPolicy PolicyName). */
async function readKeyPolicy(kms: KMSClient, key: string): Promise<ReadPolicy> {
  let text: string;
  try {
    text = (await kms.send(new GetKeyPolicyCommand({ KeyId: key, PolicyName: 'default' }))).Policy ?? '';
  } catch (error) {
    return { failed: (check) => unchecked(check, error) };
  }
  try {
    return { statements: parsePolicy(text, false) };
  } catch (error) {
    return { failed: (check) => failure(check, (error as Error).message, "fix the key's policy") };
  }
}

/**
 * The key policy: "every KMS key must have exactly one key policy" and no principal uses the key
 * unless it (or the account, delegating to IAM) is allowed there (AWS KMS developer guide, "Key
 * policies in AWS KMS").
 */
function keyPolicy(read: ReadPolicy, role: string): CheckResult {
  const check = 'key policy';
  if ('failed' in read) return read.failed(check);
  const { statements } = read;
  const fix = `allow the export role ${KEY_ACTIONS.join(', ')} in the key's policy (resources/destination.yml, ExportRoleUsesKey), or let the account's IAM policies decide (the key's AccountAdministersKey statement)`;
  const { denying } = policyDenials(statements, role, KEY_ACTIONS);
  if (denying.length > 0) {
    return failure(
      check,
      `denies the export role without a condition: ${denying.map((st, i) => st.Sid ?? `statement ${i + 1}`).join(', ')}`,
      "remove the deny or exclude the export role from it in the key's policy",
    );
  }
  const { byRole, byAccount, conditional } = keyPolicyAllows(statements, role, KEY_ACTIONS);
  const missing = KEY_ACTIONS.filter((a) => !byRole.includes(a) && !byAccount.includes(a));
  const rest = conditional === 0 ? '' : ` (${conditional} conditional allow statement(s) not evaluated)`;
  if (missing.length > 0) {
    return failure(check, `allows neither the export role nor its account ${missing.join(', ')}${rest}`, fix);
  }
  const how =
    byRole.length === KEY_ACTIONS.length
      ? 'allows the export role every key action it needs'
      : "allows the export role's account the rest: its IAM policies decide (simulated above)";
  return passed(check, `${how}${rest}`);
}

/** The bucket's policy (GetBucketPolicy); a bucket without one reads as no statements. */
async function readBucketPolicy(s3: S3Client, bucket: string): Promise<ReadPolicy> {
  let text: string;
  try {
    text = (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? '';
  } catch (error) {
    // A bucket without a policy: GetBucketPolicy fails with code NoSuchBucketPolicy ("The bucket
    // policy does not exist"; S3 API reference, "Error responses, List of error codes", and the
    // response body S3 sent in aws/aws-sdk-java-v2#1088, a GetBucketPolicy of a bucket without one).
    if (isAwsError(error, 'NoSuchBucketPolicy')) return { statements: [], none: true };
    return { failed: (check) => unchecked(check, error) };
  }
  try {
    return { statements: parsePolicy(text, false) };
  } catch (error) {
    return { failed: (check) => failure(check, (error as Error).message, "fix the bucket's policy") };
  }
}

function bucketPolicy(read: ReadPolicy, role: string, bucket: string): CheckResult {
  const check = 'bucket policy';
  if ('failed' in read) return read.failed(check);
  if (read.none) return passed(check, `s3://${bucket} has no bucket policy`);
  const { denying, unevaluated } = policyDenials(read.statements, role, [
    ...BUCKET_ACTIONS,
    ...OBJECT_ACTIONS,
  ]);
  const rest =
    unevaluated === 0 ? '' : ` (${unevaluated} conditional or Not* deny statement(s) not evaluated)`;
  if (denying.length === 0) return passed(check, `no unconditional deny of the export role${rest}`);
  return failure(
    check,
    `denies the export role without a condition: ${denying.map((st, i) => st.Sid ?? `statement ${i + 1}`).join(', ')}${rest}`,
    "remove the deny or exclude the export role from it in the bucket's policy",
  );
}

// ---- a hub's grants to its member accounts ---------------------------------------------------------

/** What a member access role needs of the hub's key: StartExportTask's caller's (RDS API reference, KmsKeyId). */
export const ACCESS_KEY_ACTIONS: string[] = [...CALLER_KMS_ACTIONS];

const conditionValues = (condition: Statement['Condition'], key: string): string[] =>
  Object.values(condition ?? {}).flatMap((byKey) =>
    Object.entries(byKey as Record<string, unknown>)
      .filter(([k]) => k.toLowerCase() === key.toLowerCase())
      .flatMap(([, v]) => (Array.isArray(v) ? v.map(String) : [String(v)])),
  );

/**
 * The statements of a hub's bucket or key policy that admit the member stacks' role `roleName` in
 * other accounts: Allow, any principal (`*`), narrowed by `aws:PrincipalArn` to that role name in any
 * account, and to the Organization (`aws:PrincipalOrgID`) or listed accounts
 * (`aws:PrincipalAccount`), as resources/member-grants.yml writes them (IAM user guide, "AWS global
 * condition context keys"). `open` are those with the role but no Organization or account condition:
 * they admit the role of that name in any AWS account.
 */
export function memberGrants(
  statements: Statement[],
  roleName: string,
  actions: string[],
): { granted: string[]; statements: Statement[]; open: Statement[] } {
  // An account ID that matches any `*` in the condition's ARN pattern.
  const sample = `arn:aws:iam::123456789012:role/${roleName}`;
  const forRole = statements.filter(
    (st) =>
      st.Effect === 'Allow' &&
      st.NotPrincipal === undefined &&
      st.NotAction === undefined &&
      principals(st.Principal, 'AWS').includes('*') &&
      conditionValues(st.Condition, 'aws:PrincipalArn').some((arn) =>
        globMatch(arn.replace(/^arn:aws[a-z-]*:/, 'arn:aws:'), sample),
      ),
  );
  const scoped = (st: Statement) =>
    conditionValues(st.Condition, 'aws:PrincipalOrgID').length > 0 ||
    conditionValues(st.Condition, 'aws:PrincipalAccount').length > 0;
  const admitting = forRole.filter(scoped);
  const granted = actions.filter((action) =>
    admitting.some((st) => list(st.Action).some((pattern) => actionMatches(pattern, action))),
  );
  return { granted, statements: admitting, open: forRole.filter((st) => !scoped(st)) };
}

/** The policy variable a member's own folder is written with (resources/member-grants.yml). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template.
const OWN_FOLDER = '${aws:PrincipalAccount}/';

const GRANTS_FIX =
  'a bucket or key of your own (existingBucketName, existingKmsKeyArn) needs the statements the stack gives its own: resources/member-grants.yml';

/** One check of a hub's grant to a member role, in a bucket's or key's policy. */
function memberGrantCheck(
  check: string,
  read: ReadPolicy,
  roleName: string,
  actions: string[],
  extra?: (statements: Statement[]) => string | undefined,
): CheckResult {
  if ('failed' in read) return read.failed(check);
  const { granted, statements, open } = memberGrants(read.statements, roleName, actions);
  if (open.length > 0) {
    return failure(
      check,
      `admits ${roleName} of any AWS account, not only the Organization's: ${open.map((st, i) => st.Sid ?? `statement ${i + 1}`).join(', ')}`,
      'add an aws:PrincipalOrgID or aws:PrincipalAccount condition to it (resources/member-grants.yml)',
    );
  }
  const missing = actions.filter((a) => !granted.includes(a));
  if (missing.length > 0) {
    return failure(
      check,
      `does not admit ${roleName} of the member accounts for ${missing.join(', ')}`,
      GRANTS_FIX,
    );
  }
  const problem = extra?.(statements);
  if (problem !== undefined) return failure(check, problem, GRANTS_FIX);
  const scope = [
    ...new Set(
      statements.flatMap((st) =>
        ['aws:PrincipalOrgID', 'aws:PrincipalAccount'].filter(
          (k) => conditionValues(st.Condition, k).length > 0,
        ),
      ),
    ),
  ];
  return passed(
    check,
    `admits ${roleName} of the member accounts (${scope.join(', ')}) for ${actions.length} action(s)`,
  );
}

/**
 * A hub's grants to its members (resources/member-grants.yml), which a bucket or key of the user's
 * own lacks until they are added: the key admits the member export roles (the export's key actions)
 * and the member access roles (a grant and the key's description, for StartExportTask), and the
 * bucket lets the member export roles write under their own account's folder only
 * (`${aws:PrincipalAccount}/`), so no member writes another's.
 */
export function hubGrantChecks(
  stage: string,
  key: ReadPolicy | undefined,
  bucket: ReadPolicy | undefined,
): CheckResult[] {
  const { exportRole, accessRole } = memberStackNames(stage);
  const results: CheckResult[] = [];
  if (key !== undefined) {
    results.push(memberGrantCheck('key admits member export roles', key, exportRole, KEY_ACTIONS));
    results.push(memberGrantCheck('key admits member access roles', key, accessRole, ACCESS_KEY_ACTIONS));
  }
  if (bucket !== undefined) {
    results.push(
      memberGrantCheck(
        'bucket admits member export roles in their folder',
        bucket,
        exportRole,
        OBJECT_ACTIONS,
        (sts) => {
          const outside = sts.filter(
            (st) =>
              list(st.Action).some((pattern) => OBJECT_ACTIONS.some((a) => actionMatches(pattern, a))) &&
              !JSON.stringify(st.Resource ?? '').includes(OWN_FOLDER),
          );
          return outside.length === 0
            ? undefined
            : `lets member export roles write outside their own folder (${OWN_FOLDER}): ${outside.map((st, i) => st.Sid ?? `statement ${i + 1}`).join(', ')}`;
        },
      ),
    );
  }
  return results;
}

async function passesRole({ iam, cloudformation }: DoctorClients, stackName: string, role: string) {
  const check = 'start-export may pass the export role';
  try {
    const resource = await cloudformation.send(
      new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: START_EXPORT_ROLE }),
    );
    const name = resource.StackResourceDetail?.PhysicalResourceId;
    if (name === undefined || name === '') {
      return failure(check, `stack ${stackName} has no ${START_EXPORT_ROLE}`, 'deploy this version');
    }
    const functionRole = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role?.Arn ?? name;
    const results: Simulation[] = [];
    for (const service of PASSED_TO) {
      const context: ContextEntry[] = [
        { ContextKeyName: 'iam:PassedToService', ContextKeyValues: [service], ContextKeyType: 'string' },
      ];
      const found = await simulate(iam, functionRole, ['iam:PassRole'], role, context);
      results.push(...found.map((r) => ({ ...r, action: `${r.action} (iam:PassedToService ${service})` })));
    }
    return fromSimulations(
      check,
      results,
      `${name} may iam:PassRole ${role} to ${PASSED_TO.join(' and ')}`,
      `allow ${name} iam:PassRole on ${role} with iam:PassedToService ${PASSED_TO.join(' or ')} (serverless.yml, PassExportRoles)`,
    );
  } catch (error) {
    return unchecked(check, error);
  }
}

export async function ruleCheck(events: EventBridgeClient, name: string): Promise<CheckResult> {
  return (await ruleState(events, name)).result;
}

/** A rule's check, and its targets when it is enabled and has some (for the checks that read them). */
export async function ruleState(
  events: EventBridgeClient,
  name: string,
): Promise<{ result: CheckResult; targets?: Target[] }> {
  const check = `rule ${name}`;
  try {
    const rule = await events.send(new DescribeRuleCommand({ Name: name }));
    // State: DISABLED, ENABLED, or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (EventBridge API
    // reference, Rule / PutRule State).
    if (!rule.State?.startsWith('ENABLED')) {
      return {
        result: failure(check, `is ${rule.State ?? 'in no state'}`, `aws events enable-rule --name ${name}`),
      };
    }
    const targets = (await events.send(new ListTargetsByRuleCommand({ Rule: name }))).Targets ?? [];
    if (targets.length === 0) {
      return { result: failure(check, `is ${rule.State} but has no target`, 'redeploy the stack') };
    }
    return { result: passed(check, `${rule.State}, ${targets.length} target(s)`), targets };
  } catch (error) {
    // DescribeRule's ResourceNotFoundException: "An entity that you specified does not exist".
    if (isAwsError(error, 'ResourceNotFound')) {
      return { result: failure(check, 'does not exist', 'deploy the stack') };
    }
    return { result: unchecked(check, error) };
  }
}

const missingOutput = (check: string, output: string, stack: string) =>
  failure(check, `stack ${stack} has no ${output} output`, 'deploy this version of the stack');

/** Every check, in order. AWS errors become failed checks; nothing is thrown for them. */
/** Another Region's destination (the policy's `regions:`), checked as the deployment's own is. */
export interface RegionalDestination {
  region: string;
  bucket: string;
  kmsKey: string;
}

/**
 * The checks of one destination, a bucket and its key: the export role writes the bucket and uses
 * the key (simulated), the key's and the bucket's policies let it, and on a hub they admit the
 * member accounts' roles. `label` names another Region's in each check (`key policy (eu-west-2)`).
 */
async function destinationChecks(
  deployment: Deployment,
  { iam, kms, s3 }: Pick<DoctorClients, 'iam' | 'kms' | 's3'>,
  role: string | undefined,
  destination: { bucket?: string | undefined; kmsKey?: string | undefined; prefix: string; label?: string },
): Promise<CheckResult[]> {
  const { bucket, kmsKey, label } = destination;
  const { stackName } = deployment;
  const results: CheckResult[] = [];
  if (role !== undefined) {
    if (bucket === undefined)
      results.push(missingOutput('export role writes the bucket', OUTPUTS.bucket, stackName));
    else results.push(await writesBucket(iam, role, bucket, destination.prefix));
    if (kmsKey === undefined)
      results.push(missingOutput('export role uses the key', OUTPUTS.kmsKey, stackName));
    else results.push(await usesKey(iam, role, kmsKey));
  }
  // Each policy is read once, for the export role's checks and a hub's.
  const keyRead = kmsKey === undefined ? undefined : await readKeyPolicy(kms, kmsKey);
  const bucketRead = bucket === undefined ? undefined : await readBucketPolicy(s3, bucket);
  if (role !== undefined && keyRead !== undefined) results.push(keyPolicy(keyRead, role));
  if (role !== undefined && bucketRead !== undefined && bucket !== undefined)
    results.push(bucketPolicy(bucketRead, role, bucket));
  // A hub (its stack has the members' bus): the bucket and key must admit the member accounts' roles.
  if (deployment.hubEventBusArn !== undefined)
    results.push(...hubGrantChecks(deployment.stage, keyRead, bucketRead));
  return label === undefined ? results : results.map((r) => ({ ...r, check: `${r.check} (${label})` }));
}

export async function runDoctor(
  deployment: Deployment,
  clients: DoctorClients,
  options: { prefix?: string; regions?: readonly RegionalDestination[] } = {},
): Promise<CheckResult[]> {
  const { role, bucket, kmsKey, stackName } = deployment;
  const prefix = options.prefix ?? '';
  const results: CheckResult[] = [];
  let exportRole: string | undefined;
  if (role === undefined) results.push(missingOutput('export role exists', OUTPUTS.role, stackName));
  else {
    const found = await exportRoleChecks(clients, role);
    results.push(...found.results);
    if (found.exists) exportRole = role;
  }
  results.push(...(await destinationChecks(deployment, clients, exportRole, { bucket, kmsKey, prefix })));
  // Each other Region's bucket and key, with the clients of that Region (KMS keys and their policies
  // are Regional; S3 answers a bucket's policy from its own Region).
  for (const regional of options.regions ?? []) {
    const there = clients.inRegion?.(regional.region) ?? clients;
    const checks = await destinationChecks(deployment, { ...clients, ...there }, exportRole, {
      bucket: regional.bucket,
      kmsKey: regional.kmsKey,
      prefix,
      label: regional.region,
    });
    results.push(...checks);
  }
  if (role !== undefined) results.push(await passesRole(clients, stackName, role));
  for (const name of intakeRules(deployment.stage)) results.push(await ruleCheck(clients.events, name));
  return results;
}

/** One line per check: `ok|FAIL <check>: <detail>`, a failure's fix after it. */
export function renderChecks(results: CheckResult[]): string {
  return results
    .map(
      (r) =>
        `${r.ok ? 'ok  ' : 'FAIL'} ${r.check}: ${r.detail}${r.fix === undefined ? '' : `; fix: ${r.fix}`}`,
    )
    .join('\n');
}

/** The clients doctor needs, built as the CLI builds every client (classified, the deployment's Region). */
export function doctorClients(values: Values, region: string): DoctorClients {
  const profile = optionOrEnv(values, 'profile');
  const config = { region, ...(profile === undefined ? {} : { profile }) };
  return {
    iam: classified(new IAMClient(config), 'iam'),
    kms: classified(new KMSClient(config), 'kms'),
    s3: classified(new S3Client(config), 's3'),
    inRegion: (other) => ({
      kms: classified(new KMSClient({ ...config, region: other }), 'kms'),
      s3: classified(new S3Client({ ...config, region: other }), 's3'),
    }),
    events: classified(new EventBridgeClient(config), 'events'),
    cloudformation: classified(new CloudFormationClient(config), 'cloudformation'),
  };
}

/**
 * The other Regions' destinations of the policy the deployment runs (`--policy`, else env
 * RDS_EXPORT_POLICY, else export-policy.yml when there is one): each is checked as the deployment's
 * own bucket and key are. A policy named but unreadable or invalid fails the command.
 */
function regionalDestinations(values: Values): RegionalDestination[] {
  const named = optionOrEnv(values, 'policy', 'RDS_EXPORT_POLICY');
  const file = named ?? 'export-policy.yml';
  if (named === undefined && !existsSync(file)) return [];
  return Object.entries(loadPolicyFile(file).regions).map(([region, d]) => ({ region, ...d }));
}

/** `rds-export doctor` (./doctor-command.ts): the checks, printed; throws ReportedFailure when one fails. */
export async function runDoctorCommand(values: Values): Promise<string> {
  const { deployment } = await openDeployment(values);
  const prefix = typeof values.prefix === 'string' ? values.prefix : '';
  const results = await runDoctor(deployment, doctorClients(values, deployment.region), {
    prefix,
    regions: regionalDestinations(values),
  });
  const ok = results.every((r) => r.ok);
  const out =
    values.json === true
      ? JSON.stringify({ stage: deployment.stage, region: deployment.region, ok, checks: results })
      : renderChecks(results);
  if (!ok) throw new ReportedFailure(out);
  return out;
}
