/**
 * What the docs name, read out of Markdown: `npm run` scripts, `rds-export` commands and their
 * flags, `npm start -- --flags`, links, headings, and the field paths of a table. Pure functions of
 * the text, so test/docs/docs.test.ts can also run them on a sample with a wrong name in it.
 */

/** A fenced code block's lines, and the prose with its fenced blocks taken out. */
export function splitFences(text: string): { code: string[]; prose: string } {
  const code: string[] = [];
  const prose: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      prose.push('');
      continue;
    }
    (fenced ? code : prose).push(line);
  }
  return { code, prose: prose.join('\n') };
}

/** Inline code spans of prose (single backticks; a span may wrap a line). */
export function inlineSpans(prose: string): string[] {
  return [...prose.matchAll(/`([^`]+)`/g)].map((m) => (m[1] ?? '').replace(/\s+/g, ' '));
}

/**
 * Command lines of code blocks: a line ending in `\` continues on the next, and so does a usage
 * line whose next line is indented and starts with an option (`[--max N] …`).
 */
export function commandLines(code: readonly string[]): string[] {
  const lines: string[] = [];
  for (const line of code) {
    const previous = lines.at(-1);
    const continues = previous !== undefined && (previous.endsWith('\\') || /^\s+\[?--/.test(line));
    if (continues && previous !== undefined)
      lines[lines.length - 1] = `${previous.replace(/\\$/, '')} ${line}`;
    else lines.push(line);
  }
  return lines;
}

/** Everything the docs show as code: inline spans and command lines. */
export function codeOf(text: string): string[] {
  const { code, prose } = splitFences(text);
  return [...inlineSpans(prose), ...commandLines(code)];
}

const SHELL_END = /\s(?:#|&&|\|\||\||;|>)|\s*$/;

/** The part of `code` from `index` to the end of that shell command (a comment, `&&`, a pipe, …). */
function commandAt(code: string, index: number): string {
  const rest = code.slice(index);
  const end = SHELL_END.exec(rest.slice(1));
  return end === null ? rest : rest.slice(0, end.index + 1);
}

/** `--flag` names in a command, whether written `--flag`, `[--flag …]` or `--flag=value`. */
export function flagsIn(command: string): string[] {
  return [...command.matchAll(/(?:^|[\s[(])--([a-z][a-z0-9-]*)/g)].map((m) => m[1] ?? '');
}

/** `npm run <script>` anywhere (prose too), and `npm test` / `npm start`, as script names. */
export function npmScripts(text: string): string[] {
  const run = [...text.matchAll(/\bnpm run ([a-z][\w:-]*)/g)].map((m) => m[1] ?? '');
  const builtIn = [...text.matchAll(/\bnpm (test|start)\b/g)].map((m) => m[1] ?? '');
  return [...run, ...builtIn];
}

export interface CommandUse {
  command: string;
  flags: string[];
  code: string;
}

/** Every `rds-export <command> [--flags]` the code of a document shows. */
export function rdsExportUses(text: string): CommandUse[] {
  const uses: CommandUse[] = [];
  for (const code of codeOf(text)) {
    for (const m of code.matchAll(/\brds-export ([a-z][a-z-]*)/g)) {
      const command = commandAt(code, m.index);
      // Up to the next rds-export in the same command.
      const next = command.indexOf(' rds-export ', 1);
      const own = next === -1 ? command : command.slice(0, next);
      uses.push({ command: m[1] ?? '', flags: flagsIn(own.slice(m[0].length)), code });
    }
  }
  return uses;
}

/** The flags of every `npm start -- …` the code of a document shows (after the `--`). */
export function npmStartFlags(text: string): { flag: string; code: string }[] {
  const found: { flag: string; code: string }[] = [];
  for (const code of codeOf(text)) {
    for (const m of code.matchAll(/\bnpm start\b[^`]*?\s--\s/g)) {
      const command = commandAt(code, m.index);
      const options = command.slice(command.indexOf(' -- ') + 4);
      for (const flag of flagsIn(options)) found.push({ flag, code });
    }
  }
  return found;
}

/** A heading's anchor as GitHub makes it: lowercase, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a document's headings (a repeated heading gets `-1`, `-2`, …). */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of splitFences(text).prose.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(m[1] ?? '');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative links `[text](target)` of the prose (not in code), as written. */
export function relativeLinks(text: string): string[] {
  const prose = splitFences(text).prose.replace(/`[^`]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? '')
    .filter((target) => !/^[a-z]+:/.test(target));
}

/** A level-2 section of a document, from its heading to the next one. */
export function section(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start === -1) return '';
  const next = text.indexOf('\n## ', start + 1);
  return text.slice(start, next === -1 ? undefined : next);
}

/** The level-2 sections of a document, with their headings. */
export function sections(text: string): { heading: string; body: string }[] {
  return text
    .split(/\n(?=## )/)
    .filter((part) => part.startsWith('## '))
    .map((part) => ({ heading: part.slice(3, part.indexOf('\n')), body: part }));
}

/** The code spans of a table's first column, row by row. */
export function firstColumnSpans(table: string): string[] {
  return table
    .split('\n')
    .filter((line) => /^\| `/.test(line))
    .flatMap((line) => inlineSpans(line.split(/(?<!\\)\|/)[1] ?? ''));
}
