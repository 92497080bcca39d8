/** Human output of the operations commands: aligned tables, colour only on a terminal. */

import { truncateText } from '#shared/contract/payload.ts';

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

/** Colour only when stdout is a terminal and NO_COLOR is unset or empty (no-color.org). */
export function colourOn(stream: { isTTY?: boolean } = process.stdout, env = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

export type Paint = (text: string, colour: Colour) => string;

export function painter(on: boolean): Paint {
  return on ? (text, colour) => `\u001b[${CODES[colour]}m${text}\u001b[0m` : (text) => text;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequences painter writes
const ESCAPES = /\u001b\[[0-9;]*m/g;
const visible = (text: string) => text.replace(ESCAPES, '').length;

/** Rows under a header, each column as wide as its widest cell; numbers may be right-aligned. */
export function table(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - visible(cell)));
        return right.has(i) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** 75 → `1m 15s`, 4000 → `1h 07m`, 200000 → `2d 07h`. */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** `2024-05-01 06:10Z`: minutes are enough to tell exports apart, in UTC like the snapshots. */
export function when(date: string | Date | undefined): string {
  if (date === undefined) return '-';
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? '-' : `${d.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

export const gb = (value: number | undefined) => (value === undefined ? '-' : `${value} GB`);

/** `[########------------]  8/20` */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total}`;
}

/** Shortens a long cell (a failure cause) for the table; --json keeps it whole. */
export function clip(text: string | undefined, max = 80): string {
  if (text === undefined) return '';
  const one = text.replace(/\s+/g, ' ').trim();
  return truncateText(one, max);
}
