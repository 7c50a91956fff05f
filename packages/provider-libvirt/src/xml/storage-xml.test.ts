import { readFileSync } from 'node:fs';
import { isImsError } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { buildPoolXml, buildVolumeXml, parsePoolXml, parseVolumeXml } from './storage-xml.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function errorOf(action: () => unknown): { code: string; message: string } {
  try {
    action();
  } catch (error) {
    if (isImsError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to throw an ImsError');
}

describe('buildPoolXml', () => {
  it('writes a dir pool that reads back', () => {
    const xml = buildPoolXml({ name: 'ims', path: '/var/lib/ims/pool' });
    expect(xml).toContain('<pool type="dir">');
    expect(parsePoolXml(xml)).toEqual({ name: 'ims', type: 'dir', path: '/var/lib/ims/pool' });
  });

  it('escapes a hostile path and reads it back exactly', () => {
    const path = `/srv/a"b'c<d>&e ]]> </path><path>/etc`;
    const xml = buildPoolXml({ name: 'ims', path });
    expect(xml.match(/<path>/g)).toHaveLength(1);
    expect(xml).not.toContain(']]>');
    expect(parsePoolXml(xml).path).toBe(path);
  });
});

describe('buildVolumeXml', () => {
  it('writes a plain volume with its capacity in bytes', () => {
    const xml = buildVolumeXml({ name: 'vm1-bootparams.iso', capacityBytes: 1_048_576, format: 'raw' });
    expect(xml).toContain('<capacity unit="bytes">1048576</capacity>');
    expect(xml).toContain('<format type="raw"/>');
    expect(xml).not.toContain('backingStore');
    expect(parseVolumeXml(xml)).toEqual({
      name: 'vm1-bootparams.iso',
      capacityBytes: 1_048_576,
      format: 'raw',
    });
  });

  it('asks for a sparse volume with an allocation of 0, and leaves allocation to libvirt otherwise', () => {
    const sparse = buildVolumeXml({
      name: 't-system.img',
      capacityBytes: 2 ** 31,
      format: 'raw',
      allocationBytes: 0,
    });
    expect(sparse).toContain('<allocation unit="bytes">0</allocation>');
    expect(parseVolumeXml(sparse).allocationBytes).toBe(0);
    expect(buildVolumeXml({ name: 'x', capacityBytes: 1, format: 'raw' })).not.toContain('allocation');
    expect(() => buildVolumeXml({ name: 'x', capacityBytes: 1, format: 'raw', allocationBytes: -1 })).toThrow(
      /allocation/,
    );
  });

  it('writes a qcow2 overlay on a backing image, hostile path included', () => {
    const backingPath = `/var/lib/ims/pool/t"'<&>]]>.qcow2`;
    const xml = buildVolumeXml({
      name: 'vm1-root.qcow2',
      capacityBytes: 8 * 1024 ** 3,
      format: 'qcow2',
      backing: { path: backingPath, format: 'qcow2' },
    });
    expect(xml).toMatch(/<backingStore>\s*<path>[^<]*<\/path>\s*<format type="qcow2"\/>\s*<\/backingStore>/);
    expect(parseVolumeXml(xml)).toEqual({
      name: 'vm1-root.qcow2',
      capacityBytes: 8 * 1024 ** 3,
      format: 'qcow2',
      backing: { path: backingPath, format: 'qcow2' },
    });
  });

  it('refuses a backing image for a raw volume, and bad capacities', () => {
    const raw = errorOf(() =>
      buildVolumeXml({ name: 'x', capacityBytes: 1, format: 'raw', backing: { path: '/t', format: 'raw' } }),
    );
    expect(raw.code).toBe('IMS_INVALID_ARGUMENT');
    expect(raw.message).toMatch(/cannot have a backing image/);
    for (const capacityBytes of [-1, 1.5, Number.NaN, 2 ** 60]) {
      expect(errorOf(() => buildVolumeXml({ name: 'x', capacityBytes, format: 'raw' })).code).toBe(
        'IMS_INVALID_ARGUMENT',
      );
    }
  });
});

describe('parsing what libvirt returns', () => {
  it('reads an overlay volume with permissions, timestamps and a backing store', () => {
    expect(parseVolumeXml(fixture('volume-overlay.xml'))).toEqual({
      name: 'web-01-root.qcow2',
      key: '/var/lib/ims/pool/web-01-root.qcow2',
      path: '/var/lib/ims/pool/web-01-root.qcow2',
      capacityBytes: 2_147_483_648,
      allocationBytes: 200_704,
      format: 'qcow2',
      backing: { path: "/var/lib/ims/pool/debian-12 & co's root.qcow2", format: 'qcow2' },
    });
  });

  it('reads a pool with its sizes', () => {
    expect(parsePoolXml(fixture('pool-dir.xml'))).toEqual({
      name: 'ims',
      uuid: '6c1b2a3d-4e5f-4061-8273-9a8b7c6d5e4f',
      type: 'dir',
      path: '/var/lib/ims/pool',
      capacityBytes: 52_521_566_208,
      allocationBytes: 8_413_892_608,
      availableBytes: 44_107_673_600,
    });
  });

  it('scales the units libvirt may use', () => {
    const volume = (capacity: string) =>
      parseVolumeXml(`<volume><name>v</name>${capacity}<target><path>/p</path></target></volume>`)
        .capacityBytes;
    expect(volume("<capacity unit='KiB'>2</capacity>")).toBe(2048);
    expect(volume("<capacity unit='KB'>2</capacity>")).toBe(2000);
    expect(volume("<capacity unit='G'>1</capacity>")).toBe(1024 ** 3);
    expect(volume("<capacity unit='gb'>1</capacity>")).toBe(1e9);
    expect(volume('<capacity>512</capacity>')).toBe(512);
  });

  it('fails with IMS_PROVIDER_ERROR on XML it cannot read', () => {
    expect(errorOf(() => parseVolumeXml('<pool/>')).code).toBe('IMS_PROVIDER_ERROR');
    expect(errorOf(() => parseVolumeXml('<volume><capacity>1</capacity></volume>')).code).toBe(
      'IMS_PROVIDER_ERROR',
    );
    expect(errorOf(() => parsePoolXml('<pool><name>x</name>')).code).toBe('IMS_PROVIDER_ERROR');
  });
});
