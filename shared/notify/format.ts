import { truncateText } from '../contract/payload.ts';

/** Human-readable duration: "45 s", "12 min 5 s", "3 h 20 min", "2 d 4 h". */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return sec > 0 ? `${m} min ${sec} s` : `${m} min`;
  return `${sec} s`;
}

/** `TotalExtractedDataInGB` is an integer: 0 means less than 1 GB, not nothing. */
export function formatSize(sizeGB: number): string {
  return sizeGB < 1 ? 'less than 1 GB' : `${sizeGB.toLocaleString('en-US')} GB`;
}

/**
 * Lists items one per line (each prefixed with `bullet`) within `max` characters; items that do
 * not fit are summarised as "and N more".
 */
export function listWithinLimit(items: readonly string[], max: number, bullet = '• '): string {
  const lines: string[] = [];
  let used = 0;
  for (const [index, item] of items.entries()) {
    // One very long entry must not crowd out all the others.
    const line = truncateText(`${bullet}${item}`, Math.min(max, 300));
    const rest = items.length - index - 1;
    // Reserve room for the "and N more" line unless this is the last item.
    const reserve = rest > 0 ? `\n…and ${rest} more`.length : 0;
    const cost = (lines.length > 0 ? 1 : 0) + line.length;
    if (used + cost + reserve > max) {
      const more = `…and ${items.length - index} more`;
      if (lines.length === 0) return truncateText(more, max);
      lines.push(more);
      return lines.join('\n');
    }
    lines.push(line);
    used += cost;
  }
  return lines.join('\n');
}
