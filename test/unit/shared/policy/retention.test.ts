import { describe, expect, it } from 'vitest';
import { parsePolicy } from '#shared/policy/load.ts';

const policy = (retention: string) =>
  `version: 1\nrules:\n  - name: keep\n    action: export\n    export:\n      retention: ${retention}\n`;

describe('retention in the export policy', () => {
  it('takes keepExports and keepDays per rule, and in the defaults', () => {
    const parsed = parsePolicy(
      `version: 1\ndefaults: { export: { retention: { keepDays: 30 } } }\nrules:\n  - name: keep\n    action: export\n    export: { retention: { keepExports: 2, keepDays: 7.5 } }\n`,
      'export-policy.yml',
    );
    expect(parsed.defaults.export.retention).toEqual({ keepDays: 30 });
    const rule = parsed.rules[0];
    expect(rule?.action === 'export' && rule.export.retention).toEqual({ keepExports: 2, keepDays: 7.5 });
  });

  it.each([
    ['{ keepExports: 0 }', 'export-policy.yml: rules[0].export.retention.keepExports: must be at least 1'],
    ['{ keepExports: 1.5 }', 'export-policy.yml: rules[0].export.retention.keepExports: '],
    ['{ keepDays: 0 }', 'export-policy.yml: rules[0].export.retention.keepDays: must be greater than 0'],
    ['{}', 'export-policy.yml: rules[0].export.retention: must set keepExports, keepDays or both'],
    ['{ keepWeeks: 2 }', 'export-policy.yml: rules[0].export.retention.keepWeeks: unknown field'],
  ])('refuses retention %s with a message naming the field', (retention, message) => {
    expect(() => parsePolicy(policy(retention), 'export-policy.yml')).toThrow(message);
  });
});
