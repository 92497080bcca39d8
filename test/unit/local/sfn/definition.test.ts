import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { installSimulatedClock } from '#local/runtime/clock.ts';
import { TaskTokens } from '#local/sfn/callbacks.ts';
import { loadDefinition } from '#local/sfn/definition.ts';

const text = readFileSync(new URL('../../../../statemachines/export.asl.yml', import.meta.url), 'utf8');
const clock = installSimulatedClock(100);

describe('loading the real state machine for local execution', () => {
  const { definition, handlers } = loadDefinition({
    definitionText: text,
    functions: {},
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x',
    clock,
    region: 'us-east-1',
    account: '123456789012',
    tokens: new TaskTokens(),
  });
  const states = definition.States as Record<string, Record<string, unknown>>;

  it('turns every dynamic Wait into a local task that sleeps the simulated seconds', async () => {
    const waits = Object.entries(parseStates(text)).filter(([, s]) => s.Type === 'Wait');
    expect(waits.length).toBeGreaterThan(0);
    for (const [name] of waits) {
      expect(states[name]?.Type).toBe('Task');
      expect(handlers[name]).toBeTypeOf('function');
    }
    const [name, wait] = waits[0] ?? ['', {}];
    const path = String(wait.SecondsPath ?? '')
      .replace(/^\$\./, '')
      .split('.');
    // The state input with 10 at the Wait's SecondsPath, e.g. { check: { waitSeconds: 10 } }.
    const input = path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), 10) as Record<
      string,
      unknown
    >;
    const started = performance.now();
    await expect(handlers[name]?.(input)).resolves.toEqual(input);
    // 10 simulated seconds at ×100 take about 100 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('points every Lambda task at a local handler and scales the machine timeout', () => {
    const lambdaTasks = Object.entries(states).filter(
      ([, s]) => s.Resource === 'arn:aws:states:::lambda:invoke',
    );
    expect(lambdaTasks.length).toBeGreaterThanOrEqual(4);
    for (const [name] of lambdaTasks) expect(handlers[name]).toBeTypeOf('function');
    expect(definition.TimeoutSeconds).toBe(Math.ceil(machineTimeout(text) / 100));
  });
});

function parseStates(source: string): Record<string, Record<string, unknown>> {
  return (parseYaml(source) as { States: Record<string, Record<string, unknown>> }).States;
}

function machineTimeout(source: string): number {
  return (parseYaml(source) as { TimeoutSeconds: number }).TimeoutSeconds;
}
