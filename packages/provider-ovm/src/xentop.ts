/**
 * Reads `xentop -b -i N` output: each iteration is a header line (`NAME STATE CPU(sec) ...`) and
 * one line per domain. The first iteration's CPU(%) has no interval behind it, so the last one is
 * used. Columns are found by their header names, so a xentop with more or fewer columns still reads.
 */

/** One domain's figures from xentop. */
export interface XentopDomain {
  /** The domain name as xentop printed it (xentop cuts names to 10 characters). */
  name: string;
  /** The state flags, e.g. `--b---`. */
  state: string;
  /** CPU time used since the domain started, in seconds. */
  cpuSeconds: number;
  /** CPU use over the last interval in percent (100 = one CPU). */
  cpuPercent: number;
  /** Memory the domain has, in KiB. */
  memoryKiB: number;
  /** Its memory limit in KiB; `undefined` for `no limit`. */
  maxMemoryKiB: number | undefined;
  /** Virtual CPUs. */
  vcpus: number;
}

/** The width xentop cuts domain names to. */
export const XENTOP_NAME_WIDTH = 10;

/** The domains of the last iteration in xentop's batch output; the header-less lines before the first iteration are ignored. */
export function parseXentop(output: string): XentopDomain[] {
  let header: string[] | undefined;
  let current: XentopDomain[] = [];
  for (const line of output.split('\n')) {
    const tokens = tokenize(line);
    if (tokens.length === 0) continue;
    if (tokens[0] === 'NAME' && tokens.includes('STATE')) {
      header = tokens;
      current = [];
      continue;
    }
    if (header === undefined) continue;
    const domain = readDomain(header, tokens);
    if (domain !== undefined) current.push(domain);
  }
  return current;
}

/** Splits a line on whitespace, keeping `no limit` together as one value. */
function tokenize(line: string): string[] {
  const raw = line
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '');
  const tokens: string[] = [];
  for (let i = 0; i < raw.length; i += 1) {
    if (raw[i] === 'no' && raw[i + 1] === 'limit') {
      tokens.push('no limit');
      i += 1;
    } else tokens.push(raw[i] as string);
  }
  return tokens;
}

function readDomain(header: readonly string[], tokens: readonly string[]): XentopDomain | undefined {
  if (tokens.length < header.length) return undefined;
  // A name with spaces takes the extra tokens: the other columns are counted from the right.
  const nameTokens = tokens.length - header.length + 1;
  const name = tokens.slice(0, nameTokens).join(' ');
  const fields = new Map<string, string>();
  header.forEach((column, index) => {
    if (index > 0) fields.set(column, tokens[nameTokens + index - 1] as string);
  });
  const number = (column: string): number | undefined => {
    const value = Number.parseFloat(fields.get(column) ?? '');
    return Number.isFinite(value) ? value : undefined;
  };
  const cpuSeconds = number('CPU(sec)');
  const memoryKiB = number('MEM(k)');
  if (cpuSeconds === undefined || memoryKiB === undefined) return undefined;
  return {
    name,
    state: fields.get('STATE') ?? '',
    cpuSeconds,
    cpuPercent: number('CPU(%)') ?? 0,
    memoryKiB,
    maxMemoryKiB: number('MAXMEM(k)'),
    vcpus: number('VCPUS') ?? 0,
  };
}

/**
 * The row of the domain named `domainName`: an exact match, or the cut-off form xentop prints
 * for names longer than {@link XENTOP_NAME_WIDTH}. OVM domain names start with `<imgId>_`, so a
 * cut-off name still tells VMs apart.
 */
export function findDomain(domains: readonly XentopDomain[], domainName: string): XentopDomain | undefined {
  const exact = domains.find((d) => d.name === domainName);
  if (exact !== undefined) return exact;
  // Only when the cut keeps the whole `<imgId>_`: the id alone tells the VM apart.
  const separator = domainName.indexOf('_');
  if (domainName.length <= XENTOP_NAME_WIDTH || separator < 0 || separator >= XENTOP_NAME_WIDTH)
    return undefined;
  const cut = domainName.slice(0, XENTOP_NAME_WIDTH);
  const candidates = domains.filter((d) => d.name === cut);
  return candidates.length === 1 ? candidates[0] : undefined;
}
