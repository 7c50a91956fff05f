/** SIMULATION ONLY: `xm list` of a simulated dom0, in Xen 3.4's column layout. */
import type { Dom0Domain } from './domains.js';

function pad(value: string, width: number, left = false): string {
  return left ? value.padEnd(width) : value.padStart(width);
}

/** The `rbpscd` state flags `xm list` prints. */
function xmState(domain: Dom0Domain): string {
  const flags = { running: 0, blocked: 1, paused: 2, shutdown: 3 } as const;
  return [...'------'].map((dash, i) => (i === flags[domain.state] ? ('rbpscd'[i] ?? dash) : dash)).join('');
}

/** `xm list` output: the header, then one line per domain (`%-40s %5s %5d %5d %10s %8.1f`). */
export function formatXmList(domains: readonly Dom0Domain[]): string {
  // modelled: the layout of Xen 3.4's `xm list` (xm/main.py), reproduced from its format strings
  const header = `${pad('Name', 40, true)} ${pad('ID', 5)} ${pad('Mem', 5)} ${pad('VCPUs', 5)} ${pad('State', 10)} ${pad('Time(s)', 9)}`;
  const rows = domains.map(
    (d) =>
      `${pad(d.name, 40, true)} ${pad(String(d.domId), 5)} ${pad(String(d.memoryMiB), 5)} ${pad(String(d.vcpus), 5)} ` +
      `${pad(xmState(d), 10)} ${pad(d.cpuSeconds.toFixed(1), 8)}`,
  );
  return `${[header, ...rows].join('\n')}\n`;
}
