import { describe, expect, it } from 'vitest';
import { generateXenMac, normalizeMac, XEN_MAC_PREFIX } from './mac.js';

describe('MAC addresses', () => {
  it('are generated in the Xen range, lower half, lower-case', () => {
    expect(generateXenMac(() => Uint8Array.from([0xff, 0xab, 0x01]))).toBe('00:16:3e:7f:ab:01');
    for (let i = 0; i < 50; i += 1)
      expect(generateXenMac()).toMatch(/^00:16:3e:[0-7][0-9a-f](:[0-9a-f]{2}){2}$/);
    expect(XEN_MAC_PREFIX).toBe('00:16:3e');
  });

  it('are normalized from any usual spelling, and malformed or multicast ones refused', () => {
    expect(normalizeMac('00-16-3E-AA-BB-CC')).toBe('00:16:3e:aa:bb:cc');
    expect(normalizeMac('00163eaabbcc')).toBe('00:16:3e:aa:bb:cc');
    expect(() => normalizeMac('00:16:3e:aa:bb')).toThrow(/six hex pairs/);
    expect(() => normalizeMac('00:16-3e:aa:bb:cc')).toThrow(/six hex pairs/);
    expect(() => normalizeMac('01:00:5e:00:00:01')).toThrow(/multicast/);
  });
});
