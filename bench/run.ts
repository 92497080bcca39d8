/**
 * `npm run bench`: runs every `bench/*.bench.ts` in turn (each measures its own baseline in the same
 * run), prints the markdown sections and writes them to bench/results.md.
 * `npm run bench -- cold-start` runs only the benches whose file name contains an argument, and
 * replaces their sections in bench/results.md (naming the re-run in its header).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

type Bench = () => Promise<{ title: string; markdown: string }>;

const dir = import.meta.dirname;
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const sections: string[] = [];
let failed = false;
for (const file of files) {
  const started = performance.now();
  console.error(`bench: ${file}...`);
  try {
    const bench = (await import(pathToFileURL(path.join(dir, file)).href)).default as Bench;
    const { title, markdown } = await bench();
    const section = `## ${title}\n\n${markdown.trim()}\n`;
    sections.push(section);
    console.log(`${section}`);
    console.error(`bench: ${file} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    failed = true;
    console.error(`bench: ${file} failed:`, error);
    sections.push(`## ${file}\n\nFailed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

const header = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString()} (Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, load average ${os.loadavg()[0]?.toFixed(1)} at the start).`,
  'Ratios compare against a baseline measured in the same run, so they hold across machines better than milliseconds do.',
  '',
].join('\n');
const results = path.join(dir, 'results.md');
if (filters.length === 0) {
  writeFileSync(results, `${header}\n${sections.join('\n')}`);
  console.error('bench: wrote bench/results.md');
} else if (!failed && existsSync(results)) {
  // A filtered run replaces its own sections of the last full run's file (or adds a new bench's), and
  // says so in its header.
  let text = readFileSync(results, 'utf8');
  for (const section of sections) {
    const title = section.slice(0, section.indexOf('\n'));
    const start = text.indexOf(`${title}\n`);
    if (start === -1) {
      text = `${text.trimEnd()}\n\n${section}`;
    } else {
      const next = text.indexOf('\n## ', start + title.length);
      text = `${text.slice(0, start)}${section}${next === -1 ? '' : text.slice(next)}`;
    }
    const note = `Section "${title.slice(3)}" run alone on `;
    text = text
      .split('\n')
      .filter((line) => !line.startsWith(note))
      .join('\n');
    text = text.replace(
      /^(Ratios compare)/m,
      `Section "${title.slice(3)}" run alone on ${new Date().toISOString()} (\`npm run bench -- ${filters.join(' ')}\`, load average ${os.loadavg()[0]?.toFixed(1)}).\n$1`,
    );
  }
  writeFileSync(results, text);
  console.error('bench: replaced the filtered sections in bench/results.md');
} else {
  console.error('bench: filtered run, bench/results.md left as it was');
}
if (failed) process.exitCode = 1;
