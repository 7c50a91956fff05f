import { describe, expect, it } from 'vitest';
import { findDomain, parseXentop } from './xentop.js';

/** `xentop -b -i 2 -d 1` on an Oracle VM 2.2 server (Xen 3.4): two iterations, names cut to 10 characters. */
const TWO_ITERATIONS = `      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID
  Domain-0 -----r      43719    0.0    2097152   12.5   no limit       n/a     8    0        0        0    0        0        0        0          0          0    0
  12_ims-bus --b---         18    0.0     262144    1.6     262144       1.6     1    1       10       22    3        0      402       35       9120        280    0
      7_db ---s--        960    0.0    1048576    6.3    1048576       6.3     2    1     1024     2048    2        0     1000      500      80000      40000    0
      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID
  Domain-0 -----r      43720    3.2    2097152   12.5   no limit       n/a     8    0        0        0    0        0        0        0          0          0    0
  12_ims-bus --b---         19    1.7     262144    1.6     262144       1.6     1    1       10       22    3        0      402       35       9120        280    0
      7_db ---s--        960    0.0    1048576    6.3   no limit       n/a     2    1     1024     2048    2        0     1000      500      80000      40000    0
`;

describe('parseXentop', () => {
  it('reads the second iteration, where CPU(%) covers a real interval', () => {
    const domains = parseXentop(TWO_ITERATIONS);
    expect(domains.map((d) => d.name)).toEqual(['Domain-0', '12_ims-bus', '7_db']);
    expect(domains[1]).toEqual({
      name: '12_ims-bus',
      state: '--b---',
      cpuSeconds: 19,
      cpuPercent: 1.7,
      memoryKiB: 262_144,
      maxMemoryKiB: 262_144,
      vcpus: 1,
    });
  });

  it('reads "no limit" as no memory limit without shifting the columns after it', () => {
    const [dom0, , db] = parseXentop(TWO_ITERATIONS);
    expect(dom0).toMatchObject({ maxMemoryKiB: undefined, vcpus: 8, cpuPercent: 3.2 });
    expect(db).toMatchObject({ maxMemoryKiB: undefined, vcpus: 2, memoryKiB: 1_048_576, cpuSeconds: 960 });
  });

  it('finds columns by name in a layout with fewer columns, ignoring lines before the first header', () => {
    const output = [
      'xentop - 10:23:38   Xen 3.4.0',
      '3 domains: 1 running, 2 blocked, 0 paused, 0 crashed, 0 dying, 0 shutdown',
      '      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR SSID',
      '      3_a --b---          5    0.4     131072    0.8     131072       0.8     1    1        0        0    3        0        1        1    0',
      '',
    ].join('\n');
    expect(parseXentop(output)).toEqual([
      {
        name: '3_a',
        state: '--b---',
        cpuSeconds: 5,
        cpuPercent: 0.4,
        memoryKiB: 131_072,
        maxMemoryKiB: 131_072,
        vcpus: 1,
      },
    ]);
  });

  it('returns nothing for output without a header, and skips malformed rows', () => {
    expect(parseXentop('')).toEqual([]);
    expect(parseXentop('xentop: could not open xc interface\n')).toEqual([]);
    const broken = `${TWO_ITERATIONS}  garbage row\n`;
    expect(parseXentop(broken).map((d) => d.name)).toEqual(['Domain-0', '12_ims-bus', '7_db']);
  });
});

describe('findDomain', () => {
  const domains = parseXentop(TWO_ITERATIONS);

  it('matches short names exactly and long ones by the cut-off form xentop prints', () => {
    expect(findDomain(domains, '7_db')?.vcpus).toBe(2);
    expect(findDomain(domains, '12_ims-busybox-conf-vm')?.cpuSeconds).toBe(19);
    expect(findDomain(domains, '12_ims-bu')).toBeUndefined();
    expect(findDomain(domains, '13_ims-busybox')).toBeUndefined();
    expect(findDomain(domains, '7_d')).toBeUndefined();
  });

  it('does not guess when the cut would not keep the whole id', () => {
    const long = parseXentop(TWO_ITERATIONS.replaceAll('12_ims-bus', '1234567890'));
    expect(findDomain(long, '12345678901_vm')).toBeUndefined();
  });
});
