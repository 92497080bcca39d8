import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '#bin/commands.ts';
import { parsePolicy } from '#shared/policy/load.ts';
import { Policy } from '#shared/policy/schema.ts';
import {
  anchorsOf,
  codeOf,
  firstColumnSpans,
  flagsIn,
  npmScripts,
  npmStartFlags,
  rdsExportUses,
  relativeLinks,
  section,
  sections,
} from './markdown.ts';

/**
 * The docs name only what exists: every `npm run` script, `rds-export` command and flag, `npm start`
 * flag and policy field they name is checked against the code, and every relative link against the
 * files and their headings. Each check also runs on a sample with a wrong name, so that a check
 * that finds nothing cannot pass by reading nothing.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const mdIn = (dir: string) =>
  readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `${dir}/${f}`);
const FUNCTIONS = readdirSync(path.join(ROOT, 'functions'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

/** What a newcomer reads: the README, docs/, each function's README and the local stack's. */
const DOC_FILES = [
  'README.md',
  ...mdIn('docs'),
  ...FUNCTIONS.map((f) => `functions/${f}/README.md`).filter((f) => existsSync(path.join(ROOT, f))),
  'local/README.md',
];
const DOCS: ReadonlyMap<string, string> = new Map(DOC_FILES.map((f) => [f, read(f)]));

// ---- what exists ------------------------------------------------------------------------------

const SCRIPTS = new Set(Object.keys((JSON.parse(read('package.json')) as { scripts: object }).scripts));
/** Every command takes --help (bin/cli.ts). */
const optionsOf = (command: string) => new Set([...Object.keys(COMMANDS[command]?.options ?? {}), 'help']);
/** `npm start`'s options: the keys of parseArgs' `options` in local/start.ts. */
const START_OPTIONS = new Set(
  [
    ...(/options: \{([\s\S]*?)\n {6}\},/.exec(read('local/start.ts'))?.[1] ?? '').matchAll(
      /^\s+'?([a-z-]+)'?:/gm,
    ),
  ].map((m) => m[1] ?? ''),
);

/** Just enough of zod's internals to walk a schema's shape. */
interface Node {
  _zod: {
    def: {
      type: string;
      innerType?: Node;
      out?: Node;
      element?: Node;
      options?: Node[];
      shape?: Record<string, Node>;
      valueType?: Node;
    };
  };
}
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** The schemas a value may be, under optional, default, preprocess (a pipe) and unions. */
function bare(node: Node): Node[] {
  const def = node._zod.def;
  if (WRAPPERS.has(def.type) && def.innerType) return bare(def.innerType);
  if (def.type === 'pipe' && def.out) return bare(def.out);
  if (def.type === 'union') return (def.options ?? []).flatMap(bare);
  return [node];
}

/** The schemas a path segment leads to: `name`, `name[]` (its entries), `<key>` (a record's values). */
function child(node: Node, segment: string): Node[] {
  const entries = segment.endsWith('[]');
  const key = entries ? segment.slice(0, -2) : segment;
  const found = bare(node).flatMap(({ _zod: { def } }) => {
    if (/^<[^>]+>$/.test(key)) return def.type === 'record' && def.valueType ? [def.valueType] : [];
    const value = def.type === 'object' ? def.shape?.[key] : undefined;
    return value === undefined ? [] : [value];
  });
  if (!entries) return found;
  return found
    .flatMap(bare)
    .flatMap(({ _zod: { def } }) => (def.type === 'array' && def.element ? [def.element] : []));
}

const POLICY = Policy as unknown as Node;
const inPolicy = (field: string) =>
  field.split('.').reduce<Node[]>((nodes, segment) => nodes.flatMap((n) => child(n, segment)), [POLICY])
    .length > 0;

/** Every field of the schema, down to the records (`rules[].match.kind`; a list's own `[]` left out). */
function policyFields(node: Node = POLICY, prefix = ''): string[] {
  const fields = new Set<string>();
  for (const {
    _zod: { def },
  } of bare(node)) {
    if (def.type !== 'object') continue;
    for (const [key, value] of Object.entries(def.shape ?? {})) {
      const lists = bare(value).filter((v) => v._zod.def.type === 'array');
      fields.add(`${prefix}${key}`);
      const inner = lists.length > 0 ? lists.flatMap((l) => l._zod.def.element ?? []) : [value];
      const name = `${prefix}${key}${lists.length > 0 ? '[]' : ''}`;
      for (const n of inner) for (const f of policyFields(n, `${name}.`)) fields.add(f);
    }
  }
  return [...fields];
}

// ---- the checks: each returns what a document names that does not exist -----------------------

function unknownScripts(file: string, text: string): string[] {
  return npmScripts(text)
    .filter((s) => !SCRIPTS.has(s))
    .map(
      (s) =>
        `${file}: npm ${s === 'test' || s === 'start' ? '' : 'run '}${s}: package.json has no such script`,
    );
}

function unknownCommandsAndFlags(file: string, text: string): string[] {
  return rdsExportUses(text).flatMap(({ command, flags, code }) => {
    if (COMMANDS[command] === undefined) return [`${file}: rds-export ${command}: no such command (${code})`];
    const options = optionsOf(command);
    return flags
      .filter((f) => !options.has(f))
      .map((f) => `${file}: rds-export ${command} has no --${f} (${code})`);
  });
}

/** In a section about `rds-export` commands, a bare `--flag` belongs to one of them. */
function unknownSectionFlags(file: string, text: string): string[] {
  return sections(text).flatMap(({ heading, body }) => {
    if (!heading.includes('rds-export')) return [];
    const commands = heading.split(/[\s`|]+/).filter((w) => COMMANDS[w] !== undefined);
    if (commands.length === 0) return [];
    const options = new Set(commands.flatMap((c) => [...optionsOf(c)]));
    return codeOf(body)
      .filter((code) => !/\b(rds-export|npm|npx|aws|serverless|apt-get|node)\b/.test(code))
      .flatMap((code) => flagsIn(code).filter((f) => !options.has(f)))
      .map((f) => `${file}, "${heading}": --${f} is not an option of rds-export ${commands.join(' / ')}`);
  });
}

function unknownStartFlags(file: string, text: string): string[] {
  // docs/local.md's options table (`npm start -- …`, before its first section) names them too.
  const table =
    file === 'docs/local.md'
      ? firstColumnSpans(text.slice(0, text.indexOf('\n## ')))
          .filter((span) => span.startsWith('--'))
          .flatMap((span) => flagsIn(span).map((flag) => ({ flag, code: span })))
      : [];
  return [...npmStartFlags(text), ...table]
    .filter(({ flag }) => !START_OPTIONS.has(flag))
    .map(({ flag, code }) => `${file}: npm start has no --${flag} (${code})`);
}

/** The fields docs/policy.md's reference names. */
const referenceFields = (text: string) => firstColumnSpans(section(text, 'Reference'));

function unknownPolicyFields(file: string, text: string): string[] {
  return referenceFields(text)
    .filter((f) => !inPolicy(f))
    .map((f) => `${file}: policy field ${f} is not in shared/policy/schema.ts`);
}

function brokenLinks(file: string, text: string): string[] {
  return relativeLinks(text).flatMap((link) => {
    const [target = '', anchor] = link.split('#');
    const resolved =
      target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
    if (!existsSync(path.join(ROOT, resolved))) return [`${file}: link ${link}: no file ${resolved}`];
    if (anchor === undefined || !resolved.endsWith('.md')) return [];
    return anchorsOf(read(resolved)).has(anchor)
      ? []
      : [`${file}: link ${link}: ${resolved} has no heading #${anchor}`];
  });
}

const CHECKS = {
  'npm scripts': unknownScripts,
  'rds-export commands and flags': unknownCommandsAndFlags,
  'flags in the sections about rds-export commands': unknownSectionFlags,
  'npm start flags': unknownStartFlags,
  'policy fields': unknownPolicyFields,
  'relative links': brokenLinks,
};
const run = (check: (file: string, text: string) => string[]) =>
  [...DOCS].flatMap(([file, text]) => check(file, text));

// ---- the tests --------------------------------------------------------------------------------

describe('the docs name only what exists', () => {
  it.each(Object.entries(CHECKS))('%s', (_, check) => {
    expect(run(check)).toEqual([]);
  });

  it('read what they check (the checks are not vacuous)', () => {
    expect(run((_, t) => npmScripts(t)).length).toBeGreaterThan(20);
    const uses = run((_, t) => rdsExportUses(t).map((u) => u.command));
    expect(new Set(uses)).toEqual(new Set(Object.keys(COMMANDS)));
    expect(run((_, t) => npmStartFlags(t).map((f) => f.flag)).length).toBeGreaterThan(10);
    expect(referenceFields(DOCS.get('docs/policy.md') ?? '').length).toBeGreaterThan(40);
    expect(run((_, t) => relativeLinks(t)).length).toBeGreaterThan(40);
  });

  it('and each check finds a wrong name', () => {
    const sample = [
      'Run `npm run test:server`.',
      '```sh',
      'npx rds-export list --sinse 7d',
      'npx rds-export lsit',
      'npm start -- --snapshot 3',
      '```',
      '## Operate it: `rds-export status | list`',
      '- `--forse`: no such flag.',
      '## Reference',
      '| field | meaning |',
      '| --- | --- |',
      '| `rules[].export.bukket` | a misspelled field |',
      '| `schedules[].select.<label>` | selector is no record |',
      'See [the policy](docs/policy.md#no-such-heading) and [a file](docs/nothing.md).',
    ].join('\n');
    const found = Object.values(CHECKS).flatMap((check) => check('README.md', sample));
    expect(found).toEqual([
      'README.md: npm run test:server: package.json has no such script',
      'README.md: rds-export list has no --sinse (npx rds-export list --sinse 7d)',
      'README.md: rds-export lsit: no such command (npx rds-export lsit)',
      'README.md, "Operate it: `rds-export status | list`": --forse is not an option of rds-export status / list',
      'README.md: npm start has no --snapshot (npm start -- --snapshot 3)',
      'README.md: policy field rules[].export.bukket is not in shared/policy/schema.ts',
      'README.md: policy field schedules[].select.<label> is not in shared/policy/schema.ts',
      'README.md: link docs/policy.md#no-such-heading: docs/policy.md has no heading #no-such-heading',
      'README.md: link docs/nothing.md: no file docs/nothing.md',
    ]);
  });
});

describe('docs/policy.md', () => {
  it("names every field of the policy's schema in its reference", () => {
    const named = new Set(referenceFields(DOCS.get('docs/policy.md') ?? ''));
    expect(policyFields().filter((f) => !named.has(f))).toEqual([]);
  });
});

describe('README.md', () => {
  const readme = DOCS.get('README.md') ?? '';

  it('opens with what it does and the two commands, and names the tests CI runs', () => {
    expect(readme.slice(0, readme.indexOf('\n## '))).toMatch(/npm install && npm start[^\n]*\nnpm test /);
    const ci = read('.ci/run');
    for (const command of ['npm test', 'npm run test:e2e', 'npm run test:servers']) {
      expect(ci).toContain(command);
      expect(readme).toContain(command);
    }
    const packages = /apt-get install [^\n]+/.exec(ci)?.[0];
    expect(packages).toBeDefined();
    expect(readme).toContain(packages);
  });

  it('stays short', () => {
    expect(readme.split('\n').length).toBeLessThan(250);
  });

  it('shows a minimal policy that loads', () => {
    const yaml = /<!-- minimal-policy -->\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml).toBeDefined();
    const policy = parsePolicy(yaml ?? '', 'README.md');
    expect(policy.rules.map((r) => r.action)).toEqual(['skip', 'export']);
  });
});

describe('functions/', () => {
  it.each(FUNCTIONS)('%s has a README', (name) => {
    expect(DOCS.has(`functions/${name}/README.md`)).toBe(true);
  });
});
