/** Renders rows as a left-aligned table with a header line. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** Exactly one JSON document, pretty-printed. */
export function jsonDocument(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export { formatBytes } from '../services/format.js';
