import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { PolicyError } from '../contract/errors.ts';
import { Policy } from './schema.ts';

/** `['rules', 2, 'export', 'x']` → `rules[2].export.x`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** One line per issue, in the words of the policy file: `rules[2].export.maxConcurrentExports: must be at most 5`. */
function describeIssue(issue: z.core.$ZodIssue, data: unknown): string[] {
  const at = (path: readonly PropertyKey[]) => formatPath(path) || '(policy)';
  switch (issue.code) {
    case 'too_big': {
      const unit = issue.origin === 'array' ? ' entries' : issue.origin === 'string' ? ' characters' : '';
      return [`${at(issue.path)}: must be at most ${issue.maximum}${unit}`];
    }
    case 'too_small':
      if (issue.origin === 'array') return [`${at(issue.path)}: must have at least ${issue.minimum} entry`];
      if (issue.origin === 'string') return [`${at(issue.path)}: must not be empty`];
      return [
        `${at(issue.path)}: must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${issue.minimum}`,
      ];
    case 'invalid_key':
      // A mapping key (an exportFilter label or property name): the path ends in the key itself.
      return issue.issues.map((inner) => `${at(issue.path)}: ${inner.message}`);
    case 'unrecognized_keys':
      return issue.keys.map((k) => `${at([...issue.path, k])}: unknown field`);
    case 'invalid_value':
      return [`${at(issue.path)}: must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`];
    case 'invalid_type':
      return valueAt(data, issue.path) === undefined
        ? [`${at(issue.path)}: is required`]
        : [`${at(issue.path)}: must be ${issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`}`];
    case 'invalid_union':
      if ((issue as { note?: string }).note === 'No matching discriminator') {
        return [`${at(issue.path)}: must be "export" or "skip"`];
      }
      return [`${at(issue.path)}: ${issue.message}`];
    default:
      return [`${at(issue.path)}: ${issue.message}`];
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Parses and validates a policy document into a frozen object. Throws a PolicyError whose message
 * names the file and every invalid field, one per line.
 */
export function parsePolicy(text: string, fileName: string): Readonly<Policy> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${fileName}: ${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`;
    });
    throw new PolicyError(lines.join('\n'));
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined)
    throw new PolicyError(`${fileName}: the policy is empty; expected version: 1 and rules`);
  const result = Policy.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.flatMap((i) => describeIssue(i, data)).map((l) => `${fileName}: ${l}`);
    throw new PolicyError([...new Set(lines)].join('\n'));
  }
  return deepFreeze(result.data);
}

/** Reads and validates a policy file (the CLI, the cold start and the package-time check call this). */
export function loadPolicyFile(path: string): Readonly<Policy> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new PolicyError(`${path}: cannot read the policy file (${reason})`, { cause: error });
  }
  return parsePolicy(text, path);
}
