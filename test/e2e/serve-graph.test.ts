import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedStack, startServedStack, withoutAws } from '../helpers/served-stack.ts';

// `npm start -- --source graph --serve`: the served stack holds the sample graph and the export one
// slot of schedule local-graphs started, for the rds-export commands to operate on.
const CLI = fileURLToPath(new URL('../../bin/rds-export.js', import.meta.url));
let served: ServedStack;

const rdsExport = async (...args: string[]) =>
  (
    await promisify(execFile)(process.execPath, [CLI, ...args], {
      env: { ...withoutAws(), ...served.env, NODE_NO_WARNINGS: '1' },
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
    })
  ).stdout;

interface Listed {
  exports: { exportTaskIdentifier: string; sourceKind?: string; outcome: string; verticesWritten?: number }[];
}

beforeAll(async () => {
  // ×20: the export (about six simulated minutes) runs about 18 real seconds, so it is still running
  // when status looks, even on a loaded machine (at ×60 it could end before the first command ran).
  served = await startServedStack(['--source', 'graph', '--time-scale', '20']);
});

afterAll(async () => {
  await served?.interrupt();
});

describe('npm start -- --source graph --serve', () => {
  it('serves a graph export that rds-export status shows running and list lists once it completed', async () => {
    const status = JSON.parse(await rdsExport('status', '--json')) as {
      running: { exportTaskIdentifier: string; sourceKind?: string }[];
      recent?: unknown;
    };
    const name = status.running.find((r) => r.sourceKind === 'graph')?.exportTaskIdentifier;
    expect(name).toMatch(/^sample-graph-[0-9a-f]{10}$/);
    let listed: Listed = { exports: [] };
    for (const until = Date.now() + 120_000; Date.now() < until; ) {
      listed = JSON.parse(await rdsExport('list', '--json')) as Listed;
      if (listed.exports.some((e) => e.exportTaskIdentifier === name && e.outcome === 'COMPLETE')) break;
      await sleep(300);
    }
    expect(listed.exports.find((e) => e.exportTaskIdentifier === name)).toMatchObject({
      outcome: 'COMPLETE',
      sourceKind: 'graph',
      verticesWritten: 12,
    });
  }, 180_000);
});
