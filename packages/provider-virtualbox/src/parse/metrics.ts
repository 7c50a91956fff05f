/**
 * `VBoxManage metrics query OBJECT METRICS`: a header, a dashed line, then rows
 * `%-15s %-40s ` + values joined with `, `. Long object names push the columns right and names of
 * VMs IMS did not create may hold spaces or slashes, so rows are split at the LAST metric-shaped
 * word followed only by values — never at fixed columns. Rows of VMs without Guest Additions have
 * no values.
 */

/** One row of a metrics query. */
export interface MetricRow {
  /** The object (VM name, or `host`). */
  object: string;
  /** The metric, e.g. `CPU/Load/User`. */
  metric: string;
  /** Its values, oldest first, as printed (`12.55%`, `72220 kB`); empty when none yet. */
  values: string[];
}

// Values are numbers with units (`12.55%`, `72220 kB`), so the metric is the last word with a `/`.
const ROW = /^(.*\S) +([A-Za-z]+(?:\/[A-Za-z]+)+(?::[A-Za-z]+)?)((?: +[-\d.]+ ?(?:%|kB|MB|B\/s|B)?,?)*)\s*$/;

/** The rows of a metrics query table. */
export function parseMetricsQuery(text: string): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('Object ') || /^-+ /.test(line) || line.trim() === '') continue;
    const match = ROW.exec(line);
    if (match === null || (match[1] as string) === '') continue;
    const values = (match[3] ?? '')
      .split(', ')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    rows.push({ object: match[1] as string, metric: match[2] as string, values });
  }
  return rows;
}

/** A printed metric value as a number: `12.55%` → 12.55, `72220 kB` → 72220; undefined when unreadable. */
export function metricNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(-?\d+(?:\.\d+)?)\s*(?:%|kB|MB|B)?$/.exec(value.trim());
  return match === null ? undefined : Number(match[1]);
}
