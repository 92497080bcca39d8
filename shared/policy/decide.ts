import { identityOf } from '#shared/sources/kinds/registry/identity.ts';
import { type Home, isMember, memberRoleArn, type Scope, scopeOf } from '../aws/accounts.ts';
import { dataTime, ExportJob, type SnapshotSource } from '../contract/execution.ts';
import { parseWith } from '../runtime/validation.ts';
import { exportIdentity, exportTaskIdentifier } from '../sources/identifiers.ts';
import { checkExportOnly, engineFamily } from './export-only.ts';
import { anyGlobMatch, globMatch } from './glob.ts';
import type { ExportRule, Match, Policy, Rule } from './schema.ts';

export const DEFAULT_QUEUE_ALERT_AFTER_MINUTES = 120;

/** The last export started for the same source (shared/exports/ledger.ts). */
export interface RecentExport {
  executionName: string;
  exportTaskIdentifier: string;
  status: string;
  startDate: string;
  snapshotArn?: string;
  /** Creation time of the snapshot it exported. */
  snapshotTime?: string;
}

/**
 * `minIntervalHours` counts between the snapshots' own times, less this share: automated
 * snapshots are taken in a backup window, so a daily snapshot lands minutes earlier or later than
 * yesterday's. Without the tolerance one that is a minute early is "within 24 h" and skipped, and a
 * daily schedule exports about every other day.
 */
export const INTERVAL_TOLERANCE_SHARE = 0.1;

export interface DecideContext {
  /** The snapshot's tags (TagList). */
  tags?: Readonly<Record<string, string>>;
  /**
   * Destination for rules and defaults that name none (env EXPORT_BUCKET / EXPORT_KMS_KEY_ARN /
   * EXPORT_ROLE_ARN); graphs are exported with `graphRole` (GRAPH_EXPORT_ROLE_ARN), which trusts
   * neptune-graph.amazonaws.com instead of export.rds.amazonaws.com.
   */
  destination?: { bucket?: string; kmsKey?: string; role?: string; graphRole?: string };
  /** Looks up the last export of this source that ran or runs; absent = not checked. */
  recentExport?: (source: SnapshotSource) => Promise<RecentExport | undefined>;
  /** Clock for the interval guard and for prefix dates of a snapshot without a creation time. */
  now?: Date;
  /** A deliberate re-export: > 1 gives a new export task identifier. */
  attempt?: number;
  /**
   * The deployment's account and Region and the member stack's role names: a source of another
   * account exports with that account's export role, under `<account>/` of the bucket. Absent:
   * every source is the deployment's own.
   */
  home?: Home;
}

export type Decision =
  | { action: 'export'; rule: string; reason: string; job: ExportJob }
  | {
      action: 'skip';
      rule: string | null;
      reason: string;
      /** Operators must act (a broken rule or input), not only be told. */
      alert?: boolean;
      /** The snapshot's own export already ran or runs: a duplicate event. */
      duplicate?: boolean;
    };

/**
 * True when `source` (with its `tags`) meets every criterion of `match`. Identifier, snapshot and
 * engine globs match case-insensitively, tag value globs case-sensitively; a tag the source lacks
 * fails. An account matches by ID, or by its name in `accountNames` (the policy's `accounts:`). Rules match with it, and so do schedule selectors (shared/sources/rds/clusters.ts, shared/sources/graph/graphs.ts).
 */
export function matches(
  match: Match,
  source: SnapshotSource,
  tags: Readonly<Record<string, string>>,
  accountNames: Readonly<Record<string, string>> = {},
): boolean {
  const ci = { ignoreCase: true };
  if (match.kind && !match.kind.includes(source.kind)) return false;
  // A live cluster has no snapshot: a rule that asks for a snapshot type or name does not match it.
  if (
    match.snapshotType &&
    (source.snapshotType === undefined || !match.snapshotType.includes(source.snapshotType))
  )
    return false;
  // Each kind says what it answers to (a graph: its name and its `g-…` identifier).
  const identifiers = identityOf(source.kind).identifiers(source);
  if (match.identifier && !identifiers.some((id) => anyGlobMatch(match.identifier ?? [], id, ci)))
    return false;
  if (
    match.snapshot &&
    (source.snapshotIdentifier === undefined || !anyGlobMatch(match.snapshot, source.snapshotIdentifier, ci))
  )
    return false;
  if (match.engine && !anyGlobMatch(match.engine, source.engine, ci)) return false;
  if (match.account || match.region) {
    const { account, region } = scopeOf(source.arn);
    // By ID, or by the name the policy gives the account (case aside, as Organizations' names vary).
    const name = accountNames[account];
    if (
      match.account &&
      !anyGlobMatch(match.account, account) &&
      (name === undefined || !anyGlobMatch(match.account, name, ci))
    )
      return false;
    if (match.region && !anyGlobMatch(match.region, region, ci)) return false;
  }
  for (const [key, glob] of Object.entries(match.tags ?? {})) {
    const value = tags[key];
    if (value === undefined || !globMatch(glob, value)) return false;
  }
  return true;
}

/** Renders a prefix template; placeholder values keep only characters safe in an S3 key segment. */
export function renderPrefix(template: string, values: Readonly<Record<string, string>>): string {
  const rendered = template.replace(/\{([a-z]+)\}/g, (_, name: string) =>
    (values[name] ?? '').replace(/[^A-Za-z0-9._-]+/g, '-'),
  );
  return rendered.replace(/\/{2,}/g, '/').replace(/^\/+|\/+$/g, '');
}

function prefixValues(rule: Rule, source: SnapshotSource, scope: Scope, now: Date): Record<string, string> {
  // The data's own time (snapshot creation, schedule slot) keeps the input identical for duplicates.
  const time = dataTime(source);
  const at = time === undefined ? now : new Date(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    account: scope.account,
    region: scope.region,
    source: source.sourceIdentifier,
    snapshot: source.snapshotIdentifier ?? source.sourceIdentifier,
    engine: source.engine,
    kind: source.kind,
    rule: rule.name,
    year: String(at.getUTCFullYear()),
    month: pad(at.getUTCMonth() + 1),
    day: pad(at.getUTCDate()),
  };
}

/** Hours between this snapshot and the last exported one, by the snapshots' own times. */
function hoursApart(source: SnapshotSource, recent: RecentExport, now: Date): number {
  const mine = Date.parse(dataTime(source) ?? now.toISOString());
  const theirs = Date.parse(recent.snapshotTime ?? recent.startDate);
  return Math.abs(mine - theirs) / 3_600_000;
}

/**
 * Where a source is, against the deployment: a member account's (its export role, by the member
 * stack's name), and in another Region than the deployment's bucket and key (`elsewhere`: why the
 * deployment's defaults do not apply). RDS exports only to a bucket "in the same AWS Region as the
 * snapshot" (Amazon RDS user guide, "Exporting DB snapshot data to Amazon S3").
 */
function placeOf(
  source: SnapshotSource,
  home: Home | undefined,
): { scope: Scope; member: boolean; exportRole?: string; elsewhere?: string } {
  const scope = scopeOf(source.arn);
  const member = home !== undefined && isMember(scope, home);
  const elsewhere =
    home?.region !== undefined && scope.region !== home.region
      ? `: the deployment's bucket and key are in ${home.region}, and RDS exports only to a bucket in the snapshot's Region, ${scope.region} (serverless.region.yml creates one there)`
      : undefined;
  return {
    scope,
    member,
    ...(member && home?.memberExportRole !== undefined
      ? { exportRole: memberRoleArn(scope, home.memberExportRole) }
      : {}),
    ...(elsewhere === undefined ? {} : { elsewhere }),
  };
}

/**
 * The bucket and key an export writes with, first found: the rule's own, the source's Region's
 * (`regions:`), the policy's defaults, then the deployment's (EXPORT_BUCKET, EXPORT_KMS_KEY_ARN),
 * which are in its own Region and so serve no other. A Region's entry comes before the defaults
 * because it is the one that names where that Region's snapshots may go.
 */
function destinationOf(
  rule: ExportRule,
  policy: Policy,
  where: { scope: Scope; elsewhere?: string },
  deployment: DecideContext['destination'],
): { bucket?: string | undefined; kmsKey?: string | undefined } {
  const regional = policy.regions[where.scope.region];
  const own = where.elsewhere ? undefined : deployment;
  return {
    bucket: rule.export.bucket ?? regional?.bucket ?? policy.defaults.export.bucket ?? own?.bucket,
    kmsKey: rule.export.kmsKey ?? regional?.kmsKey ?? policy.defaults.export.kmsKey ?? own?.kmsKey,
  };
}

type Guarded = { skip: Extract<Decision, { action: 'skip' }> } | { notes: string[] };

async function applyGuards(
  rule: ExportRule,
  policy: Policy,
  source: SnapshotSource,
  id: string,
  ctx: DecideContext,
): Promise<Guarded> {
  const settings = { ...policy.defaults.export, ...rule.export };
  const skip = (reason: string, extra: { alert?: boolean; duplicate?: boolean } = {}): Guarded => ({
    skip: { action: 'skip', rule: rule.name, reason, ...extra },
  });
  const notes: string[] = [];

  const unsupported = identityOf(source.kind).unsupported(rule.export);
  if (unsupported !== undefined) return skip(unsupported, { alert: true });
  if (rule.export.exportOnly !== undefined) {
    const family = engineFamily(source.engine) ?? null;
    const problems = checkExportOnly(rule.export.exportOnly, family, source.engine);
    if (problems.length > 0) {
      return skip(
        `invalid exportOnly for engine ${source.engine}: ${problems.map((p) => p.message).join('; ')}`,
        {
          alert: true,
        },
      );
    }
  }
  if (settings.maxSnapshotSizeGB !== undefined) {
    if (source.sizeGB === undefined) {
      notes.push('size unknown, maxSnapshotSizeGB not checked');
    } else if (source.sizeGB > settings.maxSnapshotSizeGB) {
      return skip(`snapshot is ${source.sizeGB} GB, above maxSnapshotSizeGB ${settings.maxSnapshotSizeGB}`);
    }
  }
  if (settings.minIntervalHours !== undefined) {
    if (ctx.recentExport === undefined) {
      notes.push(
        `minIntervalHours ${settings.minIntervalHours} not checked (no record of earlier exports to ask)`,
      );
    } else {
      const recent = await ctx.recentExport(source);
      if (recent !== undefined && recent.exportTaskIdentifier === id) {
        return skip(`duplicate, already handled by execution ${recent.executionName} (${recent.status})`, {
          duplicate: true,
        });
      }
      const hours = recent === undefined ? undefined : hoursApart(source, recent, ctx.now ?? new Date());
      const due = settings.minIntervalHours * (1 - INTERVAL_TOLERANCE_SHARE);
      if (recent !== undefined && hours !== undefined && hours < due) {
        return skip(
          `${source.sourceIdentifier} was exported by ${recent.executionName} (${recent.status}, snapshot of ` +
            `${recent.snapshotTime ?? recent.startDate}), ${hours.toFixed(1)} h before this snapshot: within ` +
            `minIntervalHours ${settings.minIntervalHours}`,
        );
      }
      notes.push(
        recent === undefined
          ? `no earlier export of ${source.sourceIdentifier}`
          : `last export of ${source.sourceIdentifier} was ${hours?.toFixed(1)} h earlier, at least minIntervalHours ${settings.minIntervalHours} less ${INTERVAL_TOLERANCE_SHARE * 100} %`,
      );
    }
  }
  return { notes };
}

/**
 * Applies the policy to a snapshot: the first rule whose every criterion holds decides. An export
 * decision carries the complete execution input, whose `request` is the exact StartExportTask input.
 */
export async function decide(
  policy: Policy,
  source: SnapshotSource,
  ctx: DecideContext = {},
): Promise<Decision> {
  const kind = identityOf(source.kind);
  const exportability = kind.exportability(source);
  if (exportability.exportable === false) {
    return { action: 'skip', rule: null, reason: `not exportable: ${exportability.reason}` };
  }
  const rule = policy.rules.find((r) => matches(r.match, source, ctx.tags ?? {}, policy.accounts));
  if (rule === undefined) return { action: 'skip', rule: null, reason: 'no rule matched' };
  if (rule.action === 'skip') {
    return { action: 'skip', rule: rule.name, reason: rule.reason ?? `rule "${rule.name}" skips it` };
  }

  const settings = { ...policy.defaults.export, ...rule.export };
  const where = placeOf(source, ctx.home);
  const { bucket, kmsKey } = destinationOf(rule, policy, where, ctx.destination);
  const role = kind.role(settings, where.member ? { role: where.exportRole } : ctx.destination);
  // Another Region's source: its own entry in `regions:` is the fix; the deployment's is no use.
  const hint = (field: 'bucket' | 'kmsKey', env: string) =>
    where.elsewhere
      ? `export.${field} or regions.${where.scope.region}.${field}${where.elsewhere}`
      : `export.${field} or ${env}`;
  const missing = [
    bucket ? undefined : `bucket (${hint('bucket', 'EXPORT_BUCKET')})`,
    kmsKey ? undefined : `KMS key (${hint('kmsKey', 'EXPORT_KMS_KEY_ARN')})`,
    role ? undefined : `role (${where.member ? 'export.role or MEMBER_EXPORT_ROLE_NAME' : kind.roleSetting})`,
  ].filter((m) => m !== undefined);
  if (missing.length > 0 || !bucket || !kmsKey || !role) {
    return { action: 'skip', rule: rule.name, reason: `no export ${missing.join(', ')}`, alert: true };
  }

  const id = exportTaskIdentifier(exportIdentity(source), ctx.attempt);
  const guarded = await applyGuards(rule, policy, source, id, ctx);
  if ('skip' in guarded) return guarded.skip;

  const rendered =
    settings.prefix === undefined
      ? ''
      : renderPrefix(settings.prefix, prefixValues(rule, source, where.scope, ctx.now ?? new Date()));
  // A member's export role may write only under its account's folder (serverless.member.yml).
  const prefix = where.member
    ? [where.scope.account, rendered].filter((part) => part !== '').join('/')
    : rendered;
  const job = parseWith(
    ExportJob,
    {
      exportTaskIdentifier: id,
      rule: rule.name,
      source,
      request: kind.request({ id, source, bucket, prefix, role, kmsKey, settings }),
      limits: {
        maxConcurrentExports: kind.maxConcurrentExports(settings),
        queueAlertAfterSeconds: (settings.queueAlertAfterMinutes ?? DEFAULT_QUEUE_ALERT_AFTER_MINUTES) * 60,
      },
      ...(where.member && policy.accounts[where.scope.account] !== undefined
        ? { accountName: policy.accounts[where.scope.account] }
        : {}),
    },
    `export job of rule "${rule.name}"`,
  );
  const waiting =
    exportability.exportable === 'wait'
      ? [`${exportability.reason}: the export waits until it is available`]
      : [];
  const reason = [`rule "${rule.name}" matched`, ...guarded.notes, ...waiting].join('; ');
  return { action: 'export', rule: rule.name, reason, job };
}
