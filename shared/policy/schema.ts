import { z } from 'zod';
import { ACCOUNT_ID, accountLabel } from '../aws/accounts.ts';
import { isKmsKeyArn, isKmsKeyReference, KMS_KEY_ARN_RULE, KMS_KEY_RULE } from '../aws/kms.ts';
import { MAX_CONCURRENT_GRAPH_EXPORTS, SNAPSHOT_TYPES, SOURCE_KINDS } from '../contract/execution.ts';
import { ExportFilter } from '../sources/graph/request.ts';
import { policyOf } from '../sources/kinds/registry/policy.ts';
import { checkExportOnly, pinnedFamily } from './export-only.ts';
import { globMatch } from './glob.ts';
import { AccountName, RegionName } from './names.ts';
import { Schedule, scheduleAccountId } from './schedule.ts';

export { AccountName, RegionName };

/** A graph export's file formats (StartExportTask `format`: PARQUET or CSV). */
export const GRAPH_EXPORT_FORMATS = ['parquet', 'csv'] as const;

/** Placeholders a `prefix` template may use. */
export const PREFIX_PLACEHOLDERS = [
  'account',
  'region',
  'source',
  'snapshot',
  'engine',
  'kind',
  'rule',
  'year',
  'month',
  'day',
] as const;

/** A value or a non-empty list of values, always a list after parsing. */
function oneOrMany<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (Array.isArray(v) || v === undefined ? v : [v]), z.array(item).min(1));
}

const Glob = z.string().min(1);

const PrefixTemplate = z
  .string()
  .max(1024)
  .superRefine((template, ctx) => {
    for (const [, name] of template.matchAll(/\{([^}]*)\}/g)) {
      if (!(PREFIX_PLACEHOLDERS as readonly string[]).includes(name ?? '')) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder {${name}}; known: ${PREFIX_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
        });
      }
    }
  });

/** The destination's names, checked the same way in the policy, the environment and the CLI. */
/** General purpose bucket names (S3 user guide, "General purpose bucket naming rules"): 3-63 characters. */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const BucketName = z
  .string()
  .regex(BUCKET_NAME, 'must be an S3 bucket name (3-63 lowercase letters, digits, . and -)');
export const KmsKey = z.string().refine(isKmsKeyReference, KMS_KEY_RULE);
export const RoleArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
  );

/**
 * How many of a source's exports to keep (functions/prune deletes the rest): the latest
 * `keepExports`, and every export younger than `keepDays`. With both, an export is kept while
 * either keeps it. The latest export of a source is never deleted.
 */
export const Retention = z
  .strictObject({
    keepExports: z.number().int().min(1).optional(),
    keepDays: z.number().positive().optional(),
  })
  .refine((r) => r.keepExports !== undefined || r.keepDays !== undefined, {
    message: 'must set keepExports, keepDays or both',
  });
export type Retention = z.infer<typeof Retention>;

const DestinationAndGuards = {
  retention: Retention.optional(),
  bucket: BucketName.optional(),
  prefix: PrefixTemplate.optional(),
  kmsKey: KmsKey.optional(),
  role: RoleArn.optional(),
  minIntervalHours: z.number().positive().optional(),
  maxSnapshotSizeGB: z.number().positive().optional(),
  maxConcurrentExports: z.number().int().min(1).max(5).optional(),
  queueAlertAfterMinutes: z.number().int().positive().optional(),
  /** Graphs: the export's file format (StartExportTask `format`), Parquet unless set. */
  format: z.enum(GRAPH_EXPORT_FORMATS).optional(),
  /**
   * Graphs: concurrent graph exports (INITIALIZING, EXPORTING, CANCELLING) before this one waits.
   * Neptune Analytics documents no limit, so this is the policy's; a refusal past the service's own
   * waits in the queue too.
   */
  maxConcurrentGraphExports: z.number().int().min(1).max(MAX_CONCURRENT_GRAPH_EXPORTS).optional(),
};

export const DefaultExportSettings = z.strictObject(DestinationAndGuards);
export const ExportSettings = z.strictObject({
  ...DestinationAndGuards,
  exportOnly: z.array(z.string().min(1)).min(1).optional(),
  /** Graphs: which labels and properties to export (StartExportTask `exportFilter`, as the API shapes it). */
  exportFilter: ExportFilter.optional(),
});
export type ExportSettings = z.infer<typeof ExportSettings>;

export const Match = z.strictObject({
  kind: oneOrMany(z.enum(SOURCE_KINDS)).optional(),
  identifier: oneOrMany(Glob).optional(),
  snapshot: oneOrMany(Glob).optional(),
  engine: oneOrMany(Glob).optional(),
  snapshotType: oneOrMany(z.enum(SNAPSHOT_TYPES)).optional(),
  tags: z.record(z.string().min(1), z.string()).optional(),
  /**
   * The source's account, from its ARN: a member account's, or the deployment's own. An ID is 12
   * digits (shared/aws/accounts.ts ACCOUNT_ID); a glob of digits, `*` and `?` matches several; any
   * other value is a name (or a glob of names) the policy's `accounts:` gives.
   */
  account: oneOrMany(
    z
      .string()
      .refine(
        (v) => isAccountIdSelector(v) || ACCOUNT_NAME_GLOB.test(v),
        'must be a 12-digit account ID, a glob of digits, * and ?, or an account name (glob) from accounts:',
      ),
  ).optional(),
  /** The source's Region (`eu-west-1`), from its ARN. */
  region: oneOrMany(Glob).optional(),
});
export type Match = z.infer<typeof Match>;

/** An account ID, or a glob of digits that can only match account IDs. */
const isAccountIdSelector = (v: string): boolean => ACCOUNT_ID.test(v) || /^(?=.*[*?])[\d*?]{1,12}$/.test(v);

const ACCOUNT_NAME_GLOB = /^[A-Za-z*?][A-Za-z0-9 ._*?-]{0,49}$/;

const RuleName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'must be 1-64 letters, digits, _ . - (a letter or digit first)',
  );

const ExportRule = z.strictObject({
  name: RuleName,
  match: Match.default({}),
  action: z.literal('export'),
  export: ExportSettings.default({}),
});
const SkipRule = z.strictObject({
  name: RuleName,
  match: Match.default({}),
  action: z.literal('skip'),
  reason: z.string().min(1).optional(),
});
export const Rule = z.discriminatedUnion('action', [ExportRule, SkipRule]);
export type Rule = z.infer<typeof Rule>;
export type ExportRule = z.infer<typeof ExportRule>;

/**
 * Where the sources of one Region export when their rule names no bucket or key: RDS exports only
 * to a bucket "in the same AWS Region as the snapshot" (Amazon RDS user guide, "Exporting DB
 * snapshot data to Amazon S3"), so the deployment's own bucket serves its own Region alone. The
 * key is named by its ARN, and the ARN's Region must be the entry's: a key ID would be completed
 * with the deployment's Region (scripts/policy-scopes.cjs), and a key of another Region under a
 * Region's name is a copy-paste slip the package step should catch, not the first export. (A KMS
 * key lives in one Region; multi-Region keys are related keys, one ARN per Region: AWS KMS
 * developer guide, "Multi-Region keys in AWS KMS".)
 */
export const RegionDestination = z.strictObject({
  bucket: BucketName,
  kmsKey: z.string().refine(isKmsKeyArn, KMS_KEY_ARN_RULE),
});
export type RegionDestination = z.infer<typeof RegionDestination>;

export const Policy = z
  .strictObject({
    version: z.literal(1),
    defaults: z
      .strictObject({
        export: DefaultExportSettings.default({}),
        notifySkipped: z.boolean().default(false),
      })
      .default({ export: {}, notifySkipped: false }),
    rules: z.array(Rule).min(1),
    schedules: z.array(Schedule).default([]),
    /** Each other Region's bucket and key (serverless.region.yml creates them), by Region name. */
    regions: z.record(RegionName, RegionDestination).default({}),
    /** Names of accounts, by ID: rules may select by name, and a member's databases are named with it. */
    accounts: z
      .record(z.string().regex(ACCOUNT_ID, 'must be a 12-digit account ID'), AccountName)
      .default({}),
  })
  .superRefine((policy, ctx) => {
    accountNameProblems(policy.accounts, policy.rules, ctx);
    scheduleAccountProblems(policy.accounts, policy.schedules, ctx);
    for (const [region, destination] of Object.entries(policy.regions)) {
      const keyRegion = destination.kmsKey.split(':')[3];
      if (keyRegion !== region) {
        ctx.addIssue({
          code: 'custom',
          path: ['regions', region, 'kmsKey'],
          message: `is a key in ${keyRegion}, not ${region}: name ${region}'s key (serverless.region.yml's ExportKmsKeyArn there)`,
        });
      }
    }
    const scheduleNames = new Map<string, number>();
    policy.schedules.forEach((schedule, i) => {
      const first = scheduleNames.get(schedule.name);
      if (first === undefined) scheduleNames.set(schedule.name, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', i, 'name'],
          message: `duplicate schedule name (also schedules[${first}])`,
        });
    });
    const seen = new Map<string, number>();
    policy.rules.forEach((rule, i) => {
      const first = seen.get(rule.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'name'],
          message: `duplicate rule name (also rules[${first}])`,
        });
      } else {
        seen.set(rule.name, i);
      }
      if (rule.action !== 'export') return;
      for (const issue of kindSettingsProblems(rule)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'export', issue.field], message: issue.message });
      }
      if (rule.export.exportOnly === undefined) return;
      // Checked before any API call: with the engine pinned by the rule, against that engine's forms.
      for (const p of checkExportOnly(rule.export.exportOnly, pinnedFamily(rule.match.engine))) {
        const path = p.index === undefined ? [] : [p.index];
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'export', 'exportOnly', ...path],
          message: p.message,
        });
      }
    });
  });
export type Policy = z.infer<typeof Policy>;

/**
 * Names must tell accounts apart in database names too (two names one label would put two accounts'
 * sources in one database), and a rule's name selector must name some account: a typo would
 * otherwise match nothing, silently.
 */
function accountNameProblems(
  accounts: Readonly<Record<string, string>>,
  rules: readonly Rule[],
  ctx: z.RefinementCtx,
): void {
  const labels = new Map<string, string>();
  for (const [id, name] of Object.entries(accounts)) {
    const first = labels.get(accountLabel(name));
    if (first === undefined) labels.set(accountLabel(name), id);
    else
      ctx.addIssue({
        code: 'custom',
        path: ['accounts', id],
        message: `names its databases as accounts.${first} does (${accountLabel(name)}): give it another name`,
      });
  }
  const names = Object.values(accounts);
  rules.forEach((rule, i) => {
    (rule.match.account ?? []).forEach((selector, j) => {
      if (isAccountIdSelector(selector)) return;
      if (!names.some((name) => globMatch(selector, name, { ignoreCase: true }))) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'match', 'account', j],
          message: `matches no account name under accounts: (${names.length === 0 ? 'none given' : names.join(', ')})`,
        });
      }
    });
  });
}

/**
 * A schedule's account names must be names under `accounts:` (a typo would list nothing, silently),
 * and a name and an ID must not name one account twice (its sources would be listed twice).
 */
function scheduleAccountProblems(
  accounts: Readonly<Record<string, string>>,
  schedules: readonly Schedule[],
  ctx: z.RefinementCtx,
): void {
  const names = Object.values(accounts);
  schedules.forEach((schedule, i) => {
    const seen = new Map<string, number>();
    (schedule.select.accounts ?? []).forEach((entry, j) => {
      // An entry that is neither an ID nor a name already has its issue (shared/policy/schedule.ts).
      if (!ACCOUNT_ID.test(entry) && !AccountName.safeParse(entry).success) return;
      const path = ['schedules', i, 'select', 'accounts', j];
      const id = scheduleAccountId(entry, accounts);
      if (id === undefined) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `names no account under accounts: (${names.length === 0 ? 'none given' : names.join(', ')})`,
        });
        return;
      }
      const first = seen.get(id);
      if (first === undefined) seen.set(id, j);
      else if (entry !== schedule.select.accounts?.[first])
        ctx.addIssue({ code: 'custom', path, message: `is account ${id}, as accounts[${first}] is` });
    });
  });
}

/**
 * Settings only some kinds take (a graph's `format` and `exportFilter`) belong to rules that match
 * those kinds alone, and a rule that names a kind sets nothing the kind refuses (`exportOnly` for a
 * graph, which is filtered with `exportFilter`): a rule mixing them would silently ignore half of
 * what it says. Each kind says which (its `policy`, shared/sources/kinds/).
 */
function kindSettingsProblems(rule: ExportRule): { field: string; message: string }[] {
  const named = rule.match.kind;
  const problems: { field: string; message: string }[] = [];
  const set = (Object.keys(rule.export) as (keyof ExportSettings)[]).filter(
    (field) => rule.export[field] !== undefined,
  );
  for (const field of set) {
    const takers = SOURCE_KINDS.filter((kind) => policyOf(kind).ownSettings.includes(field));
    if (takers.length > 0 && (named === undefined || named.some((kind) => !takers.includes(kind)))) {
      problems.push({
        field,
        message: `only for a rule whose match.kind is ${takers.join(' or ')} (and nothing else)`,
      });
    }
  }
  for (const kind of named ?? []) {
    for (const field of set) {
      const why = policyOf(kind).refusedSettings[field];
      if (why !== undefined) problems.push({ field, message: why });
    }
  }
  return problems;
}
