import { describe, expect, it } from 'vitest';
import { reportedAddresses } from './addresses.js';
import type { OvmVirtualMachine } from './manager/types.js';
import { sampleOf } from './metrics.js';

const MIB = 1024 * 1024;

function vm(memoryMiB: number, cpus: number): OvmVirtualMachine {
  return {
    name: 'vm1',
    imgId: '12',
    location: '12_vm1',
    status: 'RUNNING',
    statusCode: 0,
    ip: '',
    memoryMiB,
    cpus,
    raw: { name: 'result', text: '', children: [] },
  };
}

describe('sampleOf', () => {
  it('takes CPU seconds and percent, memory in use and its limit from the xentop row', () => {
    const sample = sampleOf(vm(256, 1), 1_000, {
      name: '12_vm1',
      state: '--b---',
      cpuSeconds: 42,
      cpuPercent: 1.7,
      memoryKiB: 262_144,
      maxMemoryKiB: 524_288,
      vcpus: 2,
    });
    expect(sample).toEqual({
      vm: 'vm1',
      at: 1_000,
      vcpus: 2,
      cpuTimeNs: 42_000_000_000,
      cpuPercent: 1.7,
      memoryUsedBytes: 256 * MIB,
      memoryTotalBytes: 512 * MIB,
    });
  });

  it('uses the configured memory as the total when xentop says "no limit"', () => {
    const row = {
      name: '12_vm1',
      state: '-----r',
      cpuSeconds: 1,
      cpuPercent: 0,
      memoryKiB: 131_072,
      maxMemoryKiB: undefined,
      vcpus: 1,
    };
    expect(sampleOf(vm(256, 1), 1, row).memoryTotalBytes).toBe(256 * MIB);
  });

  it('reports no CPU time and no memory in use for a VM without a domain', () => {
    expect(sampleOf(vm(128, 3), 5, undefined)).toEqual({
      vm: 'vm1',
      at: 5,
      vcpus: 3,
      cpuTimeNs: 0,
      memoryUsedBytes: 0,
      memoryTotalBytes: 128 * MIB,
    });
  });
});

describe('reportedAddresses', () => {
  it('reads one or several addresses and drops anything that is not one', () => {
    expect(reportedAddresses('')).toEqual([]);
    expect(reportedAddresses('10.0.2.15')).toEqual(['10.0.2.15']);
    expect(reportedAddresses('10.0.2.15, fd00::5 ; junk 300.1.1.1')).toEqual(['10.0.2.15', 'fd00::5']);
  });
});
