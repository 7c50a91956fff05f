/** SIMULATION ONLY: `xentop -b` of a simulated dom0, in xentop's batch column layout. */
import { HOST_MEMORY_MIB } from '../host-figures.js';
import type { Dom0Domain } from './domains.js';

/** One sample of every domain and when it was taken. */
export interface XentopSample {
  /** The domains at that moment. */
  domains: readonly Dom0Domain[];
  /** When, ms (monotonic or epoch, consistently). */
  atMs: number;
}

// confirmed: xentop.c's field table (header, width) and printf formats, read in a Xen 4.x source;
// modelled: that Xen 3.4's xentop has the same columns (VBD_RSECT/VBD_WSECT) and the -f flag
const HEADERS: readonly [string, number][] = [
  ['NAME', 10],
  ['STATE', 6],
  ['CPU(sec)', 10],
  ['CPU(%)', 6],
  ['MEM(k)', 10],
  ['MEM(%)', 6],
  ['MAXMEM(k)', 10],
  ['MAXMEM(%)', 9],
  ['VCPUS', 5],
  ['NETS', 4],
  ['NETTX(k)', 8],
  ['NETRX(k)', 8],
  ['VBDS', 4],
  ['VBD_OO', 8],
  ['VBD_RD', 8],
  ['VBD_WR', 8],
  ['VBD_RSECT', 10],
  ['VBD_WSECT', 10],
  ['SSID', 4],
];

/** The `dsbcpr` state flags xentop prints. */
function xentopState(domain: Dom0Domain): string {
  const at = { shutdown: 1, blocked: 2, paused: 4, running: 5 } as const;
  return [...'dsbcpr'].map((c, i) => (i === at[domain.state] ? c : '-')).join('');
}

const right = (value: string | number, width: number): string => String(value).padStart(width);

/** One batch iteration: the header, then one line per domain; CPU(%) from `previous` (0.0 without one). */
export function formatXentopIteration(
  current: XentopSample,
  previous: XentopSample | undefined,
  fullName: boolean,
): string {
  const header = HEADERS.map(([name, width]) => right(name, width)).join(' ');
  const totalKiB = HOST_MEMORY_MIB * 1024;
  const rows = current.domains.map((d) => {
    const before = previous?.domains.find((p) => p.domId === d.domId);
    const elapsed = previous === undefined ? 0 : current.atMs - previous.atMs;
    const cpuPct =
      before === undefined || elapsed <= 0 ? 0 : ((d.cpuSeconds - before.cpuSeconds) * 1000 * 100) / elapsed;
    const memKiB = d.memoryMiB * 1024;
    const isDom0 = d.domId === 0;
    // modelled: Domain-0 has no memory limit; a guest's limit is its memory
    const cells = [
      // confirmed: names are cut to 10 characters unless -f (print_name "%10.10s")
      fullName ? right(d.name, 10) : right(d.name.slice(0, 10), 10),
      xentopState(d),
      right(Math.floor(d.cpuSeconds), 10),
      right(cpuPct.toFixed(1), 6),
      right(memKiB, 10),
      right(((memKiB / totalKiB) * 100).toFixed(1), 6),
      isDom0 ? right('no limit', 10) : right(memKiB, 10),
      isDom0 ? right('n/a', 9) : right(((memKiB / totalKiB) * 100).toFixed(1), 9),
      right(d.vcpus, 5),
      right(d.nets, 4),
      right(0, 8),
      right(0, 8),
      right(d.vbds, 4),
      right(0, 8),
      right(0, 8),
      right(0, 8),
      right(0, 10),
      right(0, 10),
      right(0, 4),
    ];
    return cells.join(' ');
  });
  return `${[header, ...rows].join('\n')}\n`;
}
