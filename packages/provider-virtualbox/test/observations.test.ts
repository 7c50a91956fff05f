/** Addresses from guest properties, metric samples and the CPU time estimate, MACs and names. */
import { isImsError } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { addressesFromImsProperties, addressesFromProperties, prefixOf } from '../src/addresses.js';
import { generateMac, macForVBox, normalizeMac } from '../src/mac.js';
import { integrateCpuTime, sampleFromMetrics } from '../src/metrics.js';
import { assertVmName, bootIsoPath, templateFolder, templateVmName } from '../src/names.js';
import type { GuestProperty } from '../src/parse/guest-properties.js';

const prop = (name: string, value: string, timestampNs: bigint): GuestProperty => ({
  name: `/VirtualBox/GuestInfo/Net/${name}`,
  value,
  timestampNs,
  flags: '',
});

describe('addressesFromImsProperties (guests without Guest Additions, IMS boot scripts)', () => {
  // The NICs as IMS recorded them for this boot, in boot-parameter order.
  const bootNics = [
    { mac: '08:00:27:00:00:0a', address: '10.0.2.15/24' },
    { mac: '08:00:27:00:00:0b', address: 'dhcp' },
  ];
  const ims = (index: number, value: string, timestampNs: bigint): GuestProperty => ({
    name: `/IMS/Net/${index}/V4/IP`,
    value,
    timestampNs,
    flags: '',
  });
  const macs = new Set(['08:00:27:00:00:0a', '08:00:27:00:00:0b']);

  it('names the NIC by the MAC IMS gave index n this boot, with the configured prefix', () => {
    expect(
      addressesFromImsProperties(
        [ims(0, '10.0.2.15', 2_000n), ims(1, '10.0.3.7', 2_000n)],
        macs,
        1_000n,
        bootNics,
      ),
    ).toEqual([
      { mac: '08:00:27:00:00:0a', address: '10.0.2.15', prefix: 24, source: 'guest-property' },
      { mac: '08:00:27:00:00:0b', address: '10.0.3.7', prefix: 32, source: 'guest-property' },
    ]);
  });

  it('ignores stale values, 0.0.0.0, indexes this boot did not give, and NICs the VM no longer has', () => {
    const properties = [ims(0, '10.0.2.15', 500n), ims(1, '0.0.0.0', 2_000n), ims(5, '10.0.9.9', 2_000n)];
    expect(addressesFromImsProperties(properties, macs, 1_000n, bootNics)).toEqual([]);
    expect(addressesFromImsProperties([ims(0, '10.0.2.15', 2_000n)], macs, 1_000n, [])).toEqual([]);
    expect(
      addressesFromImsProperties(
        [ims(0, '10.0.2.15', 2_000n)],
        new Set(['08:00:27:00:00:0b']),
        1_000n,
        bootNics,
      ),
    ).toEqual([]);
  });
});

describe('addressesFromProperties', () => {
  const boot = 1_000n;
  const nicA = '08:00:27:00:00:0a';
  const nicB = '08:00:27:00:00:0b';

  it('matches interfaces by MAC, not by index, and takes the prefix from the netmask', () => {
    // The guest's interface 0 is the NIC in slot 2 and the other way round.
    const properties = [
      prop('0/MAC', '08002700000B', 2_000n),
      prop('0/V4/IP', '192.168.56.10', 2_000n),
      prop('0/V4/Netmask', '255.255.255.0', 2_000n),
      prop('1/MAC', '08002700000A', 2_000n),
      prop('1/V4/IP', '10.0.2.15', 2_000n),
      prop('1/V4/Netmask', '255.255.0.0', 2_000n),
      prop('1/Status', 'Up', 2_000n),
      prop('Count', '2', 2_000n),
    ];
    expect(addressesFromProperties(properties, new Set([nicA, nicB]), boot)).toEqual([
      { mac: nicA, address: '10.0.2.15', prefix: 16, source: 'guest-property' },
      { mac: nicB, address: '192.168.56.10', prefix: 24, source: 'guest-property' },
    ]);
  });

  it('ignores values from before this boot, 0.0.0.0, interfaces that are down, and foreign MACs', () => {
    const properties = [
      prop('0/MAC', '08002700000A', 500n),
      prop('0/V4/IP', '10.0.2.99', 500n), // stale: written during the previous boot
      prop('1/MAC', '08002700000B', 2_000n),
      prop('1/V4/IP', '0.0.0.0', 2_000n),
      prop('2/MAC', '080027FFFFFF', 2_000n),
      prop('2/V4/IP', '10.0.9.9', 2_000n),
      prop('3/MAC', '08002700000A', 2_000n),
      prop('3/V4/IP', '10.0.3.3', 2_000n),
      prop('3/Status', 'Down', 2_000n),
    ];
    expect(addressesFromProperties(properties, new Set([nicA, nicB]), boot)).toEqual([]);
  });

  it('reads prefixes of contiguous netmasks only', () => {
    expect(prefixOf('255.255.255.255')).toBe(32);
    expect(prefixOf('255.255.252.0')).toBe(22);
    expect(prefixOf('0.0.0.0')).toBe(0);
    expect(prefixOf('255.0.255.0')).toBeUndefined();
    expect(prefixOf('ffff::')).toBeUndefined();
  });
});

describe('sampleFromMetrics', () => {
  const sizes = { cpus: 2, memoryMiB: 512 };

  it('takes CPU load, and memory in use from the guest when it reports total and free', () => {
    const metrics = new Map([
      ['CPU/Load/User', '12.55%'],
      ['CPU/Load/Kernel', '2.45%'],
      ['RAM/Usage/Used', '72220 kB'],
      ['Guest/RAM/Usage/Total', '500000 kB'],
      ['Guest/RAM/Usage/Free', '400000 kB'],
    ]);
    expect(sampleFromMetrics('vm1', 5, sizes, metrics)).toEqual({
      vm: 'vm1',
      at: 5,
      vcpus: 2,
      cpuTimeNs: 0,
      cpuPercent: 15,
      memoryUsedBytes: 100_000 * 1024,
      memoryTotalBytes: 512 * 1024 * 1024,
    });
  });

  it('falls back to the host view without Guest Additions, and reports what is known when values are empty', () => {
    const hostOnly = new Map<string, string | undefined>([
      ['RAM/Usage/Used', '72220 kB'],
      ['Guest/RAM/Usage/Total', undefined],
    ]);
    expect(sampleFromMetrics('vm1', 1, sizes, hostOnly)).toMatchObject({ memoryUsedBytes: 72220 * 1024 });
    expect(sampleFromMetrics('vm1', 1, sizes, hostOnly).cpuPercent).toBeUndefined();
    expect(sampleFromMetrics('vm1', 1, sizes, undefined)).toEqual({
      vm: 'vm1',
      at: 1,
      vcpus: 2,
      cpuTimeNs: 0,
      memoryUsedBytes: 0,
      memoryTotalBytes: 512 * 1024 * 1024,
    });
  });
});

describe('integrateCpuTime', () => {
  const boot = { key: 100, at: 100 };

  it('estimates the first sample as load × time since boot, then adds load × elapsed time', () => {
    const first = integrateCpuTime(undefined, boot, 50, 1_100);
    expect(first).toBe(500 * 1e6);
    const second = integrateCpuTime({ bootKey: 100, at: 1_100, cpuNs: first }, boot, 0, 2_100);
    expect(second).toBe(first);
    const third = integrateCpuTime({ bootKey: 100, at: 2_100, cpuNs: second }, boot, 100, 2_600);
    expect(third).toBe(first + 500 * 1e6);
  });

  it('starts again for a new boot and never goes down', () => {
    expect(integrateCpuTime({ bootKey: 1, at: 50, cpuNs: 9e12 }, boot, 10, 1_100)).toBe(100 * 1e6);
    expect(integrateCpuTime(undefined, boot, -5, 1_100)).toBe(0);
  });
});

describe('MACs and names', () => {
  it('generates MACs with VirtualBox’s prefix and converts between both notations', () => {
    const mac = generateMac();
    expect(mac).toMatch(/^08:00:27(:[0-9a-f]{2}){3}$/);
    expect(macForVBox('08:00:27:aa:BB:cc')).toBe('080027AABBCC');
    expect(normalizeMac('08-00-27-AA-BB-CC')).toBe('08:00:27:aa:bb:cc');
    for (const bad of ['01:00:5e:00:00:01', '08:00:27:aa:bb', 'zz:00:27:aa:bb:cc', '080027aabbcc;id']) {
      expect(() => normalizeMac(bad), bad).toThrow(/MAC address/);
    }
  });

  it('keeps template VMs and VM files apart and refuses names that could leave the folder', () => {
    expect(templateVmName('deb')).toBe('ims-template-deb');
    expect(templateFolder('/srv/vms', 'deb')).toBe('/srv/vms/ims-templates/deb');
    expect(bootIsoPath('/srv/vms/web-1', 'web-1')).toBe('/srv/vms/web-1/web-1-bootparams.iso');
    for (const make of [
      () => templateVmName('../x'),
      () => assertVmName('a b'),
      () => assertVmName('ims-template-x'),
    ]) {
      try {
        make();
        expect.unreachable('accepted');
      } catch (error) {
        expect(isImsError(error) && error.code).toBe('IMS_INVALID_NAME');
      }
    }
  });
});
