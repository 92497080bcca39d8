import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SOURCE_KINDS } from '#shared/contract/execution.ts';

/**
 * Issue 18 item 1: a source kind is one module behind one interface (shared/sources/kinds/), and no
 * code outside a kind's module asks which kind it has. This scans functions/, shared/ and bin/ for
 * the ways code has asked: a `kind` compared with (or switched on, or searched for) a source-kind
 * name, a request told apart by its members (`'graphIdentifier' in`, `'destination' in`, …), and
 * the guards that did it for them (`isGraphJob`, `SNAPSHOT_KINDS`). The state machine
 * (statemachines/export.asl.yml) may not ask either: no Choice state reads the kind or names one.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const SCANNED = ['functions', 'shared', 'bin'];
/** The kinds' modules and the service code they share: branching on the kind is theirs to do. */
const KIND_MODULES = ['shared/sources/kinds/', 'shared/sources/rds/', 'shared/sources/graph/'];

/**
 * Branches that remain outside the kinds, each with why. An entry whose file no longer branches
 * fails the test too, so the list only shrinks.
 */
const NOT_YET_MOVED: Record<string, string> = {};

const NAMES = SOURCE_KINDS.join('|');
const BRANCHES: readonly { what: string; pattern: RegExp }[] = [
  {
    what: 'a kind compared with a source-kind name',
    pattern: new RegExp(`[kK]ind\\s*[!=]==?\\s*'(${NAMES})'`),
  },
  {
    what: 'a source-kind name compared with a kind',
    pattern: new RegExp(`'(${NAMES})'\\s*[!=]==?\\s*[\\w.?]*[kK]ind\\b`),
  },
  {
    what: 'a kind list searched for a source kind',
    pattern: new RegExp(`[kK]inds?\\??\\.includes\\(\\s*'(${NAMES})'`),
  },
  { what: 'a switch case on a source kind', pattern: new RegExp(`\\bcase\\s+'(${NAMES})'\\s*:`) },
  {
    what: 'a request told apart by its members',
    pattern: /'(graphIdentifier|destination|roleArn|SourceArn|S3BucketName|IamRoleArn)'\s+in\b/,
  },
  { what: 'a kind guard', pattern: /\b(isGraphJob|isRdsJob|SNAPSHOT_KINDS)\b/ },
];

function files(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return files(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** The branches on a source kind in one file's text, as `file:line: what`. */
function branchesIn(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, index) => {
    const code = line.replace(/\/\/.*$/, '');
    if (/^\s*(\*|\/\*)/.test(code)) return [];
    return BRANCHES.filter((b) => b.pattern.test(code)).map((b) => `${file}:${index + 1}: ${b.what}`);
  });
}

type AslStates = Record<string, { Type?: string; Choices?: unknown[] }>;

/** The Choice states that read a kind (`$.source.kind`, `$.sourceKind`, …) or name a source kind. */
function kindChoices(states: AslStates): string[] {
  const named = new RegExp(`"(${NAMES})"`);
  return Object.entries(states)
    .filter(([, state]) => state.Type === 'Choice')
    .filter(([, state]) => {
      const rules = JSON.stringify(state.Choices ?? []);
      return /"Variable":"[^"]*[kK]ind"/.test(rules) || named.test(rules);
    })
    .map(([name]) => name);
}

const asl = parse(readFileSync(path.join(ROOT, 'statemachines/export.asl.yml'), 'utf8')) as {
  States: AslStates;
};

const scanned = SCANNED.flatMap(files).filter((file) => !KIND_MODULES.some((dir) => file.startsWith(dir)));
const found = new Map(
  scanned.map((file) => [file, branchesIn(file, readFileSync(path.join(ROOT, file), 'utf8'))]),
);

describe('source kinds', () => {
  it('finds the branches code outside the kinds used to take, and none on unrelated kinds', () => {
    // Lines as they stood before the kinds had modules (start-export, notify, decide, address, run).
    const before = [
      'service: isGraphJob(state) ? graphService : rdsService,',
      "source.kind === 'graph' ? [source.sourceIdentifier, graphIdOf(source.arn)] : [source.sourceIdentifier];",
      'const exportability = SNAPSHOT_KINDS.includes(source.kind)',
      "if ('destination' in request) {",
      "if (graph !== 'graphIdentifier' in job.request) {",
      "if (schedule.select.kind === 'graph') {",
      "} else if (source?.kind === 'cluster') {",
      "if (match.kind && !match.kind.includes('graph')) return false;",
      "case 'cluster-snapshot':",
      "return sourceKind === 'graph' ? 'graph' : 'rds';",
    ];
    for (const line of before) expect(branchesIn('before.ts', line), line).toHaveLength(1);
    // Other things called kind: Glue plan writes, a graph file's vertex/edge, a notification.
    const unrelated = [
      "if (w.kind === 'createPartition') {",
      "const allLabels = (kind: GraphFile['kind']) => (kind === 'vertex' ? 'vertices' : 'edges');",
      "const outcome = kind === 'start-failed' ? `could not be started` : `could not be tracked`;",
      "// a comment may say source.kind === 'graph'",
      'const sources = await selectOf(schedule.select.kind).select(deps, schedule, at, deps.policy);',
    ];
    for (const line of unrelated) expect(branchesIn('unrelated.ts', line), line).toEqual([]);
  });

  it('has no code outside a kind module that asks which kind it holds', () => {
    const branching = [...found]
      .filter(([file]) => NOT_YET_MOVED[file] === undefined)
      .flatMap(([, lines]) => lines);
    expect(branching).toEqual([]);
  });

  it('lists as not yet moved only files that still branch on the kind', () => {
    const moved = Object.keys(NOT_YET_MOVED).filter((file) => (found.get(file) ?? []).length === 0);
    expect(moved).toEqual([]);
  });

  it('finds a Choice state of the state machine that branches on the kind, as the end-announced ones did', () => {
    const before: AslStates = {
      'Export end announced?': {
        Type: 'Choice',
        Choices: [
          { Variable: '$.source.kind', StringEquals: 'graph', Next: 'Wait before checking export' },
          {
            Or: [{ Variable: '$.source.kind', StringEquals: 'db-snapshot' }],
            Next: 'Wait for the export to end',
          },
        ],
      },
      'Pool?': { Type: 'Choice', Choices: [{ Variable: '$.sourceKind', StringEquals: 'x', Next: 'A' }] },
      'Export ended?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.check.status', StringEquals: 'COMPLETE' }],
      },
      'Release export slots': { Type: 'Task' },
    };
    expect(kindChoices(before)).toEqual(['Export end announced?', 'Pool?']);
  });

  it('leaves the state machine no Choice state that asks which kind an export has', () => {
    expect(Object.values(asl.States).some((state) => state.Type === 'Choice')).toBe(true);
    expect(kindChoices(asl.States)).toEqual([]);
  });
});
