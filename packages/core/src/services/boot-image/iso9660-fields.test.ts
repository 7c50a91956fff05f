import { describe, expect, it } from 'vitest';
import {
  bothEndian16,
  bothEndian32,
  paddedAscii,
  paddedUcs2,
  recordDateTime,
  sectorsFor,
  ucs2,
  uint16,
  uint32,
  unspecifiedVolumeDateTime,
  volumeDateTime,
} from './iso9660-fields.js';

describe('ISO 9660 field encoders', () => {
  it('writes both-endian integers little-endian first, then big-endian', () => {
    expect([...bothEndian16(0x1234)]).toEqual([0x34, 0x12, 0x12, 0x34]);
    expect([...bothEndian32(0x12345678)]).toEqual([0x78, 0x56, 0x34, 0x12, 0x12, 0x34, 0x56, 0x78]);
    expect([...bothEndian32(0xffff_ffff)]).toEqual(Array(8).fill(0xff));
  });

  it('writes single-order integers', () => {
    expect([...uint16(0x0102, true)]).toEqual([2, 1]);
    expect([...uint16(0x0102, false)]).toEqual([1, 2]);
    expect([...uint32(0x01020304, true)]).toEqual([4, 3, 2, 1]);
    expect([...uint32(0x01020304, false)]).toEqual([1, 2, 3, 4]);
  });

  it('refuses values that do not fit as an internal error', () => {
    expect(() => bothEndian16(0x10000)).toThrow(expect.objectContaining({ code: 'IMS_INTERNAL' }));
    expect(() => bothEndian32(-1)).toThrow(expect.objectContaining({ code: 'IMS_INTERNAL' }));
    expect(() => uint32(1.5, true)).toThrow(expect.objectContaining({ code: 'IMS_INTERNAL' }));
    expect(() => paddedAscii('toolong', 3)).toThrow(expect.objectContaining({ code: 'IMS_INTERNAL' }));
    expect(() => paddedAscii('é', 3)).toThrow(expect.objectContaining({ code: 'IMS_INTERNAL' }));
    expect(() => paddedUcs2('abc', 5)).toThrow(expect.objectContaining({ code: 'IMS_INTERNAL' }));
  });

  it('pads 8-bit text with spaces and UCS-2 text with UCS-2 spaces, an odd length ending in a zero byte', () => {
    expect([...paddedAscii('ab', 4)]).toEqual([0x61, 0x62, 0x20, 0x20]);
    expect([...paddedUcs2('a', 6)]).toEqual([0, 0x61, 0, 0x20, 0, 0x20]);
    expect([...paddedUcs2('', 5)]).toEqual([0, 0x20, 0, 0x20, 0]);
    expect([...ucs2('a€')]).toEqual([0, 0x61, 0x20, 0xac]);
  });

  it('writes dates in UTC: 17-byte digits for descriptors, 7 bytes for records', () => {
    const date = new Date(Date.UTC(2024, 1, 29, 13, 5, 9, 870));
    expect(Buffer.from(volumeDateTime(date).subarray(0, 16)).toString('latin1')).toBe('2024022913050987');
    expect(volumeDateTime(date)[16]).toBe(0);
    expect([...recordDateTime(date)]).toEqual([124, 2, 29, 13, 5, 9, 0]);
    expect(Buffer.from(unspecifiedVolumeDateTime()).toString('latin1')).toBe(`${'0'.repeat(16)}\u0000`);
  });

  it('counts whole sectors', () => {
    expect([0, 1, 2048, 2049, 4096].map(sectorsFor)).toEqual([0, 1, 1, 2, 2]);
  });
});
