import type { ContextEntry } from '@aws-sdk/client-iam';
import { memberStackNames, regionalBucketName } from '#shared/aws/accounts.ts';
import { BucketName, RegionName } from '#shared/policy/schema.ts';
import { optionOrEnv, ReportedFailure, UsageError, type Values } from '../command.ts';
import {
  BUCKET_ACTIONS,
  type CheckResult,
  type DoctorClients,
  doctorClients,
  EXPORT_SERVICE,
  failure,
  findRole,
  fromSimulations,
  KEY_ACTIONS,
  OBJECT_ACTIONS,
  PASSED_TO,
  parsePolicy,
  passed,
  renderChecks,
  roleNameOf,
  ruleState,
  type Simulation,
  simulate,
  trustCheck,
  unchecked,
} from './doctor.ts';

/**
 * `rds-export doctor --member`: run with a member account's credentials, checks what the member
 * stack (serverless.member.yml) sets up for the hub, calling only Get/List/Describe/Simulate APIs.
 */

/** The hub as the member stack was deployed against it (its parameters). */
export interface HubOfMember {
  stage: string;
  /** arn:<partition>:events:<region>:<account>:event-bus/<name> */
  busArn: string;
  bucket: string;
  kmsKey: string;
  /** The hub's other Regions (serverless.region.yml), whose buckets and keys the member writes too. */
  regions?: readonly string[];
}

/** The member stack's names (serverless.member.yml custom.names and its rules). */
export const memberNames = (stage: string) => ({
  ...memberStackNames(stage),
  rules: [
    `rds-export-member-${stage}-rds-snapshot-events`,
    `rds-export-member-${stage}-backup-job-completed`,
    `rds-export-member-${stage}-export-finished`,
  ],
});

/** The hub's functions that assume the access role, by the names serverless.yml gives their roles. */
export function hubRoleArns(hub: HubOfMember): string[] {
  const [, partition, , region, account] = hub.busArn.split(':');
  return ['on-snapshot', 'on-schedule', 'start-export', 'check-export', 'waits'].map(
    (fn) => `arn:${partition}:iam::${account}:role/rds-export-${hub.stage}-${region}-${fn}`,
  );
}

const context = (key: string, value: string): ContextEntry => ({
  ContextKeyName: key,
  ContextKeyValues: [value],
  ContextKeyType: 'string',
});

/** The hub's account (the bus's) and the partition, from its bus ARN. */
const hubPlace = (hub: HubOfMember) => {
  const [, partition = 'aws', , region = '', account = ''] = hub.busArn.split(':');
  return { partition, region, account };
};

/**
 * The hub's destinations a member exports to: its home bucket and key, and each other Region's
 * (`regions`), by the names serverless.region.yml gives them: the bucket
 * `rds-export-<stage>-<hub account>-<region>`, and a key of the hub's account in that Region (its
 * ID is not known here; the member's roles may use any key of the hub's account,
 * serverless.member.yml, so a sample ARN stands for it).
 */
export function hubDestinations(hub: HubOfMember): { bucket: string; kmsKey: string; label?: string }[] {
  const { partition, account } = hubPlace(hub);
  return [
    { bucket: hub.bucket, kmsKey: hub.kmsKey },
    ...(hub.regions ?? []).map((region) => ({
      bucket: regionalBucketName(hub.stage, account, region),
      kmsKey: `arn:${partition}:kms:${region}:${account}:key/00000000-0000-0000-0000-000000000000`,
      label: region,
    })),
  ];
}

/**
 * What the export role may do in one of the hub's buckets: write under its account's folder only,
 * and use the key. Simulated with the bucket's owner (`s3:ResourceAccount`, the hub's account): the
 * member's statements for the regional buckets require it (serverless.member.yml).
 */
async function destinationChecks(
  clients: DoctorClients,
  hub: HubOfMember,
  role: string,
  destination: { bucket: string; kmsKey: string; label?: string },
): Promise<CheckResult[]> {
  const deploy = 'deploy serverless.member.yml in this account (docs/deploy.md, "Organization")';
  const { bucket, kmsKey, label } = destination;
  const account = role.split(':')[4] ?? '';
  const partition = role.split(':')[1] ?? 'aws';
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  const own = `${bucketArn}/${account}/rds-export-doctor/probe`;
  const others = `${bucketArn}/rds-export-doctor/probe`;
  const owner = context('s3:ResourceAccount', hubPlace(hub).account);
  const named = (r: CheckResult) => (label === undefined ? r : { ...r, check: `${r.check} (${label})` });
  const results: CheckResult[] = [];
  try {
    const write = [
      ...(await simulate(clients.iam, role, BUCKET_ACTIONS, bucketArn, [
        context('s3:prefix', `${account}/rds-export-doctor/`),
        owner,
      ])),
      ...(await simulate(clients.iam, role, OBJECT_ACTIONS, own, [owner])),
    ];
    results.push(
      fromSimulations(
        'member export role writes its folder',
        write,
        `may list and write s3://${bucket}/${account}/`,
        label === undefined ? `${deploy} with hubBucketName=${bucket}` : `${deploy} (its regional buckets)`,
      ),
    );
    // Its own folder only: no member may read or overwrite another's exports.
    const outside = (await simulate(clients.iam, role, OBJECT_ACTIONS, others, [owner])).filter(
      (r) => r.decision === 'allowed',
    );
    results.push(
      outside.length === 0
        ? passed(
            'member export role stays in its folder',
            `may not write s3://${bucket}/ outside ${account}/`,
          )
        : failure(
            'member export role stays in its folder',
            `may ${outside.map((r) => r.action).join(', ')} outside ${account}/`,
            `limit the role's S3 permissions to arn:${partition}:s3:::${bucket}/${account}/*`,
          ),
    );
    results.push(
      fromSimulations(
        'member export role uses the hub key',
        await simulate(clients.iam, role, KEY_ACTIONS, kmsKey),
        `the role's IAM policies allow ${KEY_ACTIONS.length} key actions (the hub's key policy is read by the hub's doctor)`,
        label === undefined ? `${deploy} with hubKmsKeyArn=${kmsKey}` : `${deploy} (the hub's keys)`,
      ),
    );
  } catch (error) {
    results.push(unchecked('member export role writes its folder', error));
  }
  return results.map(named);
}

/** The export role: RDS may assume it, and it may write the hub's buckets under its account's folder only. */
async function exportRoleChecks(
  clients: DoctorClients,
  hub: HubOfMember,
  name: string,
): Promise<{ results: CheckResult[]; arn?: string }> {
  const deploy = 'deploy serverless.member.yml in this account (docs/deploy.md, "Organization")';
  const found = await findRole(clients.iam, name, 'member export role exists', { fix: deploy });
  if (found.arn === undefined) return { results: [found.result] };
  const results = [found.result, trustCheck('member export role trust', found.trust, EXPORT_SERVICE, deploy)];
  for (const destination of hubDestinations(hub))
    results.push(...(await destinationChecks(clients, hub, found.arn, destination)));
  return { results, arn: found.arn };
}

/** The access role: only the hub's five function roles may assume it, and it may start exports with the export role. */
async function accessRoleChecks(
  clients: DoctorClients,
  hub: HubOfMember,
  names: ReturnType<typeof memberNames>,
  exportRole: string,
): Promise<CheckResult[]> {
  const deploy = 'deploy serverless.member.yml in this account (docs/deploy.md, "Organization")';
  const found = await findRole(clients.iam, names.accessRole, 'member access role exists', { fix: deploy });
  if (found.arn === undefined) return [found.result];
  const results = [found.result];
  const expected = hubRoleArns(hub);
  try {
    const trusted = parsePolicy(found.trust, true)
      .filter((st) => st.Effect === 'Allow' && st.Principal !== undefined && st.Principal !== '*')
      .flatMap((st) => {
        const aws = (st.Principal as Record<string, string | string[]>).AWS ?? [];
        return Array.isArray(aws) ? aws : [aws];
      });
    const missing = expected.filter((arn) => !trusted.includes(arn));
    const extra = trusted.filter((arn) => !expected.includes(arn));
    results.push(
      missing.length === 0 && extra.length === 0
        ? passed('member access role trust', `only the hub's ${expected.length} function roles may assume it`)
        : failure(
            'member access role trust',
            [
              missing.length === 0 ? '' : `does not trust ${missing.join(', ')}`,
              extra.length === 0 ? '' : `also trusts ${extra.join(', ')}`,
            ]
              .filter((p) => p !== '')
              .join('; '),
            `${deploy} with the hub's account and bus (hubAccountId, hubEventBusArn)`,
          ),
    );
  } catch (error) {
    results.push(failure('member access role trust', (error as Error).message, deploy));
  }
  const account = found.arn.split(':')[4] ?? '';
  const [, partition, , region] = hub.busArn.split(':');
  try {
    const snapshot = `arn:${partition}:rds:${region}:${account}:snapshot:rds-export-doctor-probe`;
    const runs: Simulation[] = [
      ...(await simulate(clients.iam, found.arn, ['rds:StartExportTask'], snapshot)),
      ...(await simulate(clients.iam, found.arn, ['rds:DescribeExportTasks', 'rds:CancelExportTask'], '*')),
      ...(await simulate(clients.iam, found.arn, ['kms:CreateGrant', 'kms:DescribeKey'], hub.kmsKey)),
    ];
    for (const service of PASSED_TO) {
      const passes = await simulate(clients.iam, found.arn, ['iam:PassRole'], exportRole, [
        context('iam:PassedToService', service),
      ]);
      runs.push(...passes.map((r) => ({ ...r, action: `${r.action} (iam:PassedToService ${service})` })));
    }
    results.push(
      fromSimulations(
        'member access role starts exports',
        runs,
        `may start, track and cancel exports with the hub's key and pass ${names.exportRole} to RDS`,
        deploy,
      ),
    );
  } catch (error) {
    results.push(unchecked('member access role starts exports', error));
  }
  return results;
}

/** A forwarding rule: enabled, its one target the hub's bus, with a role that exists. */
async function forwardingCheck(
  clients: DoctorClients,
  hub: HubOfMember,
  name: string,
): Promise<CheckResult[]> {
  const { result: state, targets } = await ruleState(clients.events, name);
  if (targets === undefined) return [state];
  const check = `rule ${name} forwards to the hub`;
  const fix = 'redeploy serverless.member.yml';
  const toHub = targets.find((t) => t.Arn === hub.busArn);
  if (toHub === undefined) {
    const named = targets.map((t) => t.Arn).join(', ');
    return [state, failure(check, `no target is ${hub.busArn} (${named})`, `${fix} with hubEventBusArn`)];
  }
  // A rule whose target is another account's bus needs a role of this account (EventBridge user
  // guide, "Sending and receiving events between AWS accounts"); without it no event arrives.
  if (toHub.RoleArn === undefined) return [state, failure(check, 'its target has no role', fix)];
  const found = await findRole(clients.iam, roleNameOf(toHub.RoleArn), check, {
    missing: `its role ${toHub.RoleArn} does not exist: no event reaches the hub`,
    fix: `${fix} (ForwardToHubRole)`,
  });
  if (found.arn === undefined) return [state, found.result];
  return [state, passed(check, `to ${hub.busArn} with ${toHub.RoleArn}`)];
}

/** Every check of a member account, in order. AWS errors become failed checks. */
export async function runMemberDoctor(clients: DoctorClients, hub: HubOfMember): Promise<CheckResult[]> {
  const names = memberNames(hub.stage);
  const exported = await exportRoleChecks(clients, hub, names.exportRole);
  const results = [...exported.results];
  const [, partition = 'aws'] = hub.busArn.split(':');
  const exportRole = exported.arn ?? `arn:${partition}:iam::*:role/${names.exportRole}`;
  results.push(...(await accessRoleChecks(clients, hub, names, exportRole)));
  for (const rule of names.rules) results.push(...(await forwardingCheck(clients, hub, rule)));
  return results;
}

/** `rds-export doctor --member` (./doctor-command.ts): the hub's names from the options, checked. */
export function hubOfMember(values: Values, stage: string): HubOfMember {
  const busArn = optionOrEnv(values, 'hub-bus-arn');
  const bucket = optionOrEnv(values, 'hub-bucket');
  const kmsKey = optionOrEnv(values, 'hub-key');
  if (busArn === undefined || bucket === undefined || kmsKey === undefined) {
    throw new UsageError(
      "--member needs --hub-bus-arn, --hub-bucket and --hub-key (the member stack's parameters)",
    );
  }
  if (!/^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[\w.\-/]+$/.test(busArn)) {
    throw new UsageError(
      `--hub-bus-arn "${busArn}": must be an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)`,
    );
  }
  const name = BucketName.safeParse(bucket);
  if (!name.success) throw new UsageError(`--hub-bucket "${bucket}": ${name.error.issues[0]?.message}`);
  if (!/^arn:aws[a-z-]*:kms:/.test(kmsKey))
    throw new UsageError(`--hub-key "${kmsKey}": must be the hub key's ARN`);
  const regions = (optionOrEnv(values, 'hub-regions') ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  for (const region of regions) {
    const checked = RegionName.safeParse(region);
    if (!checked.success)
      throw new UsageError(`--hub-regions "${region}": ${checked.error.issues[0]?.message}`);
  }
  return { stage, busArn, bucket, kmsKey, ...(regions.length === 0 ? {} : { regions }) };
}

/** The member's checks, printed; throws ReportedFailure when one fails (exit 1). */
export async function runMemberDoctorCommand(values: Values): Promise<string> {
  const stage = optionOrEnv(values, 'stage', 'RDS_EXPORT_STAGE') ?? 'dev';
  const hub = hubOfMember(values, stage);
  const region = optionOrEnv(values, 'region') ?? hub.busArn.split(':')[3] ?? 'us-east-1';
  const results = await runMemberDoctor(doctorClients(values, region), hub);
  const ok = results.every((r) => r.ok);
  const out =
    values.json === true
      ? JSON.stringify({ stage, member: true, ok, checks: results })
      : renderChecks(results);
  if (!ok) throw new ReportedFailure(out);
  return out;
}
