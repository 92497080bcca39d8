#!/usr/bin/env node
/**
 * Adds to package-lock.json the platform-specific optional packages npm left out of it.
 *
 * @biomejs/biome and @duckdb/node-bindings list one optional package per OS/CPU. When npm resolves
 * the tree against a registry that serves only this machine's platform (as the mirror on our build
 * machines does), the others answer 404, npm drops them from the lock, and `npm ci` then refuses the
 * lock ("Missing: @biomejs/cli-darwin-arm64@ from lock file"). Each missing package is recorded here
 * as optional with the `os`/`cpu` its name states, so `npm ci` skips it on other platforms exactly as
 * it would with a complete lock. Idempotent: run it after changing dependencies; `.ci/run` runs it
 * before `npm ci`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
// Names end in -<os>-<cpu>[-musl]; e.g. @biomejs/cli-linux-x64-musl, @duckdb/node-bindings-darwin-arm64.
const PLATFORM =
  /-(android|darwin|freebsd|linux|openbsd|sunos|win32|aix)-(arm64|arm|x64|ia32|ppc64|s390x|riscv64)(-musl)?$/;

const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const platform = PLATFORM.exec(name);
    if (platform === null) continue;
    const parentDir = path === '' ? '' : `${path}/`;
    const nested = `${parentDir}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] !== undefined || packages[hoisted] !== undefined) continue;
    packages[hoisted] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [platform[1]],
      cpu: [platform[2]],
      ...(platform[3] ? { libc: ['musl'] } : {}),
    };
    added++;
  }
}
if (added > 0) {
  // npm orders entries by path with localeCompare; keep its order so the diff shows only additions.
  lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b, 'en')));
  writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(`complete-lockfile: ${added} platform package(s) added to package-lock.json`);
