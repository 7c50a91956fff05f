import { describe, expect, it } from 'vitest';
import { versionText } from './describe.js';
import { sampleFromStats } from './metrics.js';
import type { TypedParam } from './rpc/index.js';

const uint = (field: string, value: number): TypedParam => ({ field, type: 'uint', value });
const ullong = (field: string, value: bigint): TypedParam => ({ field, type: 'ullong', value });
const int = (field: string, value: number): TypedParam => ({ field, type: 'int', value });

describe('sampleFromStats', () => {
  it('takes CPU time, vCPUs and the guest-reported memory use of a running domain', () => {
    const sample = sampleFromStats('vm1', 1_000, [
      int('state.state', 1),
      ullong('cpu.time', 3_193_843_000n),
      ullong('balloon.current', 196_608n),
      ullong('balloon.available', 158_080n),
      ullong('balloon.unused', 123_704n),
      ullong('balloon.rss', 281_028n),
      uint('vcpu.current', 2),
      uint('vcpu.maximum', 4),
    ]);
    expect(sample).toEqual({
      vm: 'vm1',
      at: 1_000,
      vcpus: 2,
      cpuTimeNs: 3_193_843_000,
      memoryUsedBytes: (158_080 - 123_704) * 1024,
      memoryTotalBytes: 196_608 * 1024,
    });
  });

  it('falls back to the host RSS, capped at the memory the VM has, without guest statistics', () => {
    const sample = sampleFromStats('vm1', 1, [
      int('state.state', 1),
      ullong('balloon.current', 1_000n),
      ullong('balloon.rss', 5_000n),
    ]);
    expect(sample.memoryUsedBytes).toBe(1_000 * 1024);
  });

  it('reports no CPU time and no memory in use for a shut-off domain, whatever libvirt kept', () => {
    const sample = sampleFromStats('vm1', 1, [
      int('state.state', 5),
      ullong('cpu.time', 4_080_000_000n),
      ullong('balloon.current', 196_608n),
      uint('vcpu.maximum', 1),
    ]);
    expect(sample).toMatchObject({
      cpuTimeNs: 0,
      memoryUsedBytes: 0,
      memoryTotalBytes: 196_608 * 1024,
      vcpus: 1,
    });
  });
});

describe('versionText', () => {
  it('decodes libvirt version numbers', () => {
    expect(versionText(9_000_000)).toBe('9.0.0');
    expect(versionText(7_002_022)).toBe('7.2.22');
  });
});
