import { isImsError } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { generateMac, isMulticastMac, LIBVIRT_MAC_PREFIX, normalizeMac } from './mac.js';

describe('generateMac', () => {
  it('puts the random bytes after the 52:54:00 prefix, lower-case', () => {
    expect(generateMac(() => Uint8Array.from([0x0a, 0xff, 0x10]))).toBe('52:54:00:0a:ff:10');
    expect(generateMac(() => Uint8Array.from([0, 0, 0, 9]))).toBe('52:54:00:00:00:00');
  });

  it('asks for three bytes and fails plainly when it gets fewer', () => {
    const asked: number[] = [];
    generateMac((size) => {
      asked.push(size);
      return new Uint8Array(size);
    });
    expect(asked).toEqual([3]);
    try {
      generateMac(() => new Uint8Array(2));
      expect.unreachable('a short random source must fail');
    } catch (error) {
      expect(isImsError(error) && error.code).toBe('IMS_INTERNAL');
    }
  });

  it('uses crypto randomness by default', () => {
    const macs = new Set(Array.from({ length: 20 }, () => generateMac()));
    for (const mac of macs) expect(mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(macs.size).toBeGreaterThan(1);
    expect(LIBVIRT_MAC_PREFIX).toBe('52:54:00');
  });
});

describe('normalizeMac', () => {
  it('accepts colons, dashes or nothing, in any case', () => {
    for (const spelling of [
      '52:54:00:AB:cd:0F',
      '52-54-00-ab-CD-0f',
      '525400abcd0f',
      ' 52:54:00:ab:cd:0f ',
    ]) {
      expect(normalizeMac(spelling)).toBe('52:54:00:ab:cd:0f');
    }
  });

  it('rejects anything else with IMS_INVALID_ARGUMENT', () => {
    for (const bad of [
      '',
      '52:54:00:ab:cd',
      '52:54:00:ab:cd:0g',
      '52:54-00:ab:cd:0f',
      '52:54:00:ab:cd:0f:00',
      'x',
    ]) {
      try {
        normalizeMac(bad);
        expect.unreachable(`${JSON.stringify(bad)} must be rejected`);
      } catch (error) {
        expect(isImsError(error) && error.code).toBe('IMS_INVALID_ARGUMENT');
      }
    }
  });
});

describe('isMulticastMac', () => {
  it('looks at the lowest bit of the first byte', () => {
    expect(isMulticastMac('01:00:5e:00:00:01')).toBe(true);
    expect(isMulticastMac('ff:ff:ff:ff:ff:ff')).toBe(true);
    expect(isMulticastMac('52:54:00:00:00:01')).toBe(false);
  });
});
