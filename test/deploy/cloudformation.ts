import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, inject } from 'vitest';
import {
  detailTypesOf,
  EXPORT_ENDED_EVENTS,
  idsOf,
  SNAPSHOT_READY_EVENTS,
} from '#shared/sources/rds/events.ts';

export type Resource = {
  Type: string;
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties: Record<string, unknown>;
};
export type Template = {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown }>;
};
export type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * The hub intake's three event patterns (serverless.yml onSnapshot's two, waits' export-finished), in
 * the order of the rules that forward them to the hub (resources/forward-events.yml).
 */
export const FORWARDED_PATTERNS = [
  {
    source: ['aws.rds'],
    'detail-type': detailTypesOf(SNAPSHOT_READY_EVENTS),
    detail: { EventID: idsOf(SNAPSHOT_READY_EVENTS) },
  },
  {
    source: ['aws.backup'],
    'detail-type': ['Backup Job State Change'],
    detail: { state: ['COMPLETED'], resourceType: ['RDS', 'Aurora'] },
  },
  { source: ['aws.rds'], detail: { EventID: idsOf(EXPORT_ENDED_EVENTS) } },
];

/**
 * Copies what packaging reads into a temp dir (node_modules linked), optionally with another policy.
 * The member and regional stacks (serverless.member.yml, serverless.region.yml) are packaged from the
 * same copy, with `--config`.
 */
export function serviceCopy(policy?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rds-export-service-'));
  for (const entry of [
    'serverless.yml',
    'serverless.member.yml',
    'serverless.region.yml',
    'resources',
    'package.json',
    'export-policy.yml',
    'scripts',
    'shared',
    'functions',
    'statemachines',
  ]) {
    cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  if (policy !== undefined) cpSync(policy, path.join(dir, 'export-policy.yml'));
  return dir;
}

/**
 * Runs `serverless package` offline: fake credentials, and every AWS endpoint and proxy pointed at a
 * closed local port, so any call to AWS would fail the packaging instead of reaching the network.
 */
export function slsPackage(
  serviceDir: string,
  outDir: string,
  params: Record<string, string> = {},
  config?: string,
): Promise<{ code: number | null; output: string }> {
  const bin = path.join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
  const args = [bin, 'package', '--stage', 'test', '--region', 'eu-west-1', '--package', outDir];
  // Another service file of the repo (serverless.member.yml), in the same copy.
  if (config !== undefined) args.push('--config', config);
  for (const [k, v] of Object.entries(params)) args.push('--param', `${k}=${v}`);
  const closed = 'http://127.0.0.1:9';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL: closed,
    AWS_EC2_METADATA_DISABLED: 'true',
    HTTP_PROXY: closed,
    HTTPS_PROXY: closed,
    SLS_TELEMETRY_DISABLED: '1',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: serviceDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

export interface PackageOptions {
  /** A policy file instead of the repo's export-policy.yml. */
  policy?: string;
  /** `--param` values. */
  params?: Record<string, string>;
}

/**
 * `serverless package` of a copy of the service (with another policy file, and parameters) once
 * per test run: files that ask for the same policy and parameters (several read the service as it
 * is) share one packaging, in the run's directory (test/global-setup.ts). The first to ask
 * packages; the others, in this process or another worker, wait for its result. A packaging that
 * fails fails every file that asked for it, with its output.
 */
export async function packageService(
  options: PackageOptions = {},
): Promise<{ outDir: string; template: Template }> {
  const policy = options.policy === undefined ? null : readFileSync(options.policy, 'utf8');
  const key = createHash('sha256')
    .update(JSON.stringify({ policy, params: options.params ?? {} }))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(inject('packageRunDir'), key);
  const outDir = path.join(dir, 'out');
  const resultFile = path.join(dir, 'result.json');
  let first = true;
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    first = false;
  }
  if (first) {
    // A copy even of the service as it is: serverless-esbuild builds inside the service directory,
    // and another test run packaging the checkout at the same time would share that directory.
    const service = serviceCopy(options.policy);
    let result: { code: number | null; output: string };
    try {
      mkdirSync(outDir);
      result = await slsPackage(service, outDir, options.params);
    } catch (error) {
      result = { code: null, output: String(error instanceof Error ? error.stack : error) };
    } finally {
      rmSync(service, { recursive: true, force: true });
    }
    // Written whole, then renamed: a waiting worker never reads half a file.
    writeFileSync(`${resultFile}.tmp`, JSON.stringify(result));
    renameSync(`${resultFile}.tmp`, resultFile);
  } else {
    while (!existsSync(resultFile)) await sleep(250);
  }
  const { code, output } = JSON.parse(readFileSync(resultFile, 'utf8')) as {
    code: number | null;
    output: string;
  };
  if (code !== 0) throw new Error(`serverless package failed:\n${output}`);
  return { outDir, template: readTemplate(outDir) };
}

/**
 * `packageService(options)` in the test file's beforeAll. Its `template` is there from the first
 * test on; packaging that fails fails the file with the output.
 */
export function packagedService(options: PackageOptions = {}): { readonly template: Template } {
  let template: Template | undefined;
  beforeAll(async () => {
    ({ template } = await packageService(options));
  });
  return {
    get template() {
      if (template === undefined) throw new Error('the service is not packaged yet (read it inside a test)');
      return template;
    },
  };
}

/** The distinct actions of a role's statements that start with `prefix` (`glue:`), sorted. */
export function grantedActions(template: Template, roleId: string, prefix: string): string[] {
  return [
    ...new Set(
      roleStatements(template, roleId)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith(prefix)),
    ),
  ].sort();
}

/** The stack's template; `create` is the core template the framework deploys first, to get its bucket. */
export function readTemplate(outDir: string, stage: 'create' | 'update' = 'update'): Template {
  return JSON.parse(readFileSync(path.join(outDir, `cloudformation-template-${stage}-stack.json`), 'utf8'));
}

export const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Evaluates a condition of the template (Fn::Equals / Fn::Not / Fn::Or / Fn::And over package-time literals). */
export function condition(template: Template, name: string): boolean {
  const evaluate = (expr: unknown): boolean => {
    const e = expr as Record<string, unknown>;
    if ('Fn::Equals' in e) {
      const [a, b] = e['Fn::Equals'] as unknown[];
      return JSON.stringify(a) === JSON.stringify(b);
    }
    if ('Fn::Not' in e) return !evaluate((e['Fn::Not'] as unknown[])[0]);
    if ('Fn::Or' in e) return (e['Fn::Or'] as unknown[]).some(evaluate);
    if ('Fn::And' in e) return (e['Fn::And'] as unknown[]).every(evaluate);
    if ('Condition' in e) return condition(template, e.Condition as string);
    throw new Error(`cannot evaluate ${JSON.stringify(expr)}`);
  };
  return evaluate(template.Conditions?.[name]);
}

/** Resolves every Fn::If in a value the way CloudFormation would for this template's conditions. */
export function resolveIfs(template: Template, value: unknown): unknown {
  if (Array.isArray(value)) {
    return value
      .map((v) => resolveIfs(template, v))
      .filter((v) => !(isObject(v) && v.Ref === 'AWS::NoValue'));
  }
  if (!isObject(value)) return value;
  if ('Fn::If' in value) {
    const [name, whenTrue, whenFalse] = value['Fn::If'] as [string, unknown, unknown];
    return resolveIfs(template, condition(template, name) ? whenTrue : whenFalse);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveIfs(template, v)]));
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';

/** What CloudFormation substitutes for the pseudo parameters in one stack instance. */
export interface StackPlace {
  partition: string;
  region: string;
  accountId: string;
}

/**
 * A value as CloudFormation resolves it in one stack instance (`place`): Ref AWS::*, Fn::Sub (with
 * its variable map and ${!…} escapes), Fn::Select, Fn::Split, Fn::If (conditions of Fn::Equals,
 * Fn::Not, Fn::Or, Fn::And and Condition over these). Fn::GetAtt and other Refs stay `<Id.Attr>`,
 * `<Id>`; an Fn::If that yields AWS::NoValue drops the list item.
 */
export function evaluator(template: Template, place: StackPlace): (value: unknown) => unknown {
  const pseudo: Record<string, string> = {
    'AWS::Partition': place.partition,
    'AWS::Region': place.region,
    'AWS::AccountId': place.accountId,
  };
  const holds = (expr: unknown): boolean => {
    const e = expr as Record<string, unknown>;
    if ('Fn::Equals' in e) {
      const [a, b] = (e['Fn::Equals'] as unknown[]).map(evaluate);
      return JSON.stringify(a) === JSON.stringify(b);
    }
    if ('Fn::Not' in e) return !holds((e['Fn::Not'] as unknown[])[0]);
    if ('Fn::Or' in e) return (e['Fn::Or'] as unknown[]).some(holds);
    if ('Fn::And' in e) return (e['Fn::And'] as unknown[]).every(holds);
    if ('Condition' in e) return holds(template.Conditions?.[e.Condition as string]);
    throw new Error(`cannot evaluate ${JSON.stringify(expr)}`);
  };
  const noValue = (v: unknown) => isObject(v) && v.Ref === 'AWS::NoValue';
  function evaluate(value: unknown): unknown {
    if (Array.isArray(value)) return value.filter((v) => !noValue(ifResolved(v))).map(evaluate);
    if (!isObject(value)) return value;
    if ('Fn::If' in value) return evaluate(ifResolved(value));
    if ('Ref' in value) return pseudo[value.Ref as string] ?? `<${String(value.Ref)}>`;
    if ('Fn::GetAtt' in value) return `<${(value['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Fn::Select' in value) {
      const [index, list] = value['Fn::Select'] as [number, unknown];
      return (evaluate(list) as unknown[])[index];
    }
    if ('Fn::Split' in value) {
      const [delimiter, text] = value['Fn::Split'] as [string, unknown];
      return String(evaluate(text)).split(delimiter);
    }
    if ('Fn::Sub' in value) {
      const sub = value['Fn::Sub'];
      const [text, map] = typeof sub === 'string' ? [sub, {}] : (sub as [string, Record<string, unknown>]);
      const local = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, evaluate(v)]));
      return text.replace(/\$\{(!?)([^}]+)\}/g, (_, escaped: string, name: string) => {
        if (escaped) return `\${${name}}`;
        return String(local[name] ?? pseudo[name] ?? `<${name}>`);
      });
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v)]));
  }
  function ifResolved(value: unknown): unknown {
    if (!isObject(value) || !('Fn::If' in value)) return value;
    const [name, whenTrue, whenFalse] = value['Fn::If'] as [string, unknown, unknown];
    return ifResolved(holds(template.Conditions?.[name]) ? whenTrue : whenFalse);
  }
  return evaluate;
}

/** The statements of a role's inline policies and of the AWS::IAM::Policy resources attached to it. */
export function roleStatements(template: Template, roleId: string): Statement[] {
  const role = template.Resources[roleId];
  if (role === undefined) throw new Error(`no ${roleId}`);
  const inline = asList(role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]);
  const attached = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) =>
      asList(r.Properties.Roles as unknown[]).some(
        (x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId }),
      ),
    )
    .map((r) => r.Properties as { PolicyDocument: { Statement: Statement[] } });
  return [...inline, ...attached].flatMap(
    (p) => resolveIfs(template, p.PolicyDocument.Statement) as Statement[],
  );
}

/** Every IAM-style statement anywhere in the template: roles, policies, key, bucket, queue and topic policies. */
export function allStatements(template: Template): { resource: string; statement: Statement }[] {
  const found: { resource: string; statement: Statement }[] = [];
  const walk = (resource: string, value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) walk(resource, v);
      return;
    }
    if (!isObject(value)) return;
    if ('Effect' in value && ('Action' in value || 'NotAction' in value)) {
      found.push({ resource, statement: value as Statement });
      return;
    }
    for (const v of Object.values(value)) walk(resource, v);
  };
  for (const [id, r] of Object.entries(template.Resources)) walk(id, r.Properties);
  return found;
}

export const actionsOf = (s: Statement): string[] => asList(s.Action);

/** Logical IDs a resource refers to: Ref, Fn::GetAtt, `${Id}` / `${Id.Attr}` in Fn::Sub, DependsOn. */
function references(template: Template, value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) references(template, v, found);
  } else if (isObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') found.add(v);
      else if (key === 'Fn::GetAtt') found.add(String((v as unknown[])[0]));
      else if (key === 'Fn::Sub') {
        const text = typeof v === 'string' ? v : String((v as unknown[])[0]);
        for (const m of text.matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}/g)) found.add(m[1] as string);
        if (Array.isArray(v)) references(template, v[1], found);
      } else references(template, v, found);
    }
  }
  return new Set([...found].filter((id) => id in template.Resources));
}

/** A dependency cycle among the template's resources (CloudFormation refuses those), or undefined. */
export function dependencyCycle(template: Template): string[] | undefined {
  const deps = new Map(
    Object.entries(template.Resources).map(([id, r]) => {
      const refs = references(template, [r.Properties, (r as { DependsOn?: unknown }).DependsOn ?? []]);
      for (const d of asList((r as { DependsOn?: string | string[] }).DependsOn)) refs.add(d);
      return [id, refs];
    }),
  );
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'visiting');
    for (const dep of deps.get(id) ?? []) {
      const cycle = visit(dep, [...trail, id]);
      if (cycle) return cycle;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of deps.keys()) {
    const cycle = visit(id, []);
    if (cycle) return cycle;
  }
  return undefined;
}
