import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * shared/runtime/logger.ts builds its Logger at load, like a cold start: each test loads it afresh with the
 * environment it needs, logs one line and reads the JSON Powertools writes to stdout.
 */

async function loggedLine(env: Record<string, string | undefined>): Promise<Record<string, unknown>> {
  vi.resetModules();
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  const { logger } = await import('#shared/runtime/logger.ts');
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    logger.info('export started');
  } finally {
    write.mockRestore();
  }
  const line = lines.find((l) => l.includes('export started'));
  if (line === undefined) throw new Error(`no log line written: ${lines.join('')}`);
  return JSON.parse(line) as Record<string, unknown>;
}

beforeEach(() => {
  // Not dev mode: Powertools writes compact JSON lines to stdout, as in Lambda.
  vi.stubEnv('POWERTOOLS_DEV', undefined);
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
});
afterEach(() => vi.unstubAllEnvs());

describe('the shared logger', () => {
  it("names the deployment's service from POWERTOOLS_SERVICE_NAME, as the metrics do", async () => {
    // serverless.yml sets POWERTOOLS_SERVICE_NAME to rds-export-<stage> for every function.
    const line = await loggedLine({ POWERTOOLS_SERVICE_NAME: 'rds-export-prod' });
    expect(line).toMatchObject({ service: 'rds-export-prod', message: 'export started' });
  });

  it('says rds-export outside a deployment, where POWERTOOLS_SERVICE_NAME is not set', async () => {
    // Without a name, Powertools Logger would write its own default, `service_undefined`.
    const line = await loggedLine({ POWERTOOLS_SERVICE_NAME: undefined });
    expect(line.service).toBe('rds-export');
  });
});
