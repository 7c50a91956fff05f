import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodePacket,
  MessageStatus,
  MessageType,
  PacketFramer,
  type PacketHeader,
  REMOTE_PROGRAM,
} from './packet.js';
import { XdrError } from './xdr.js';

const header: PacketHeader = {
  prog: REMOTE_PROGRAM,
  vers: 1,
  proc: 273,
  type: MessageType.CALL,
  serial: 0xfffffffe,
  status: MessageStatus.OK,
};

describe('packet encoding', () => {
  it('writes the length (counting itself), the 24-byte header and the body', () => {
    const packet = encodePacket(header, Uint8Array.of(0, 0, 0, 1));
    expect(packet.toString('hex')).toBe(
      ['00000020', '20008086', '00000001', '00000111', '00000000', 'fffffffe', '00000000', '00000001'].join(
        '',
      ),
    );
    const decoded = decodePacket(packet);
    expect(decoded.header).toEqual(header);
    expect([...decoded.body]).toEqual([0, 0, 0, 1]);
  });

  it('refuses a packet whose declared length disagrees or which is shorter than a header', () => {
    const packet = encodePacket(header);
    expect(() => decodePacket(packet.subarray(0, 20))).toThrow(XdrError);
    const wrong = Buffer.from(packet);
    wrong.writeUInt32BE(29, 0);
    expect(() => decodePacket(wrong)).toThrow(/declares 29 bytes/);
  });
});

describe('PacketFramer', () => {
  const packets = [
    encodePacket({ ...header, serial: 1 }, Buffer.alloc(8, 1)),
    encodePacket({ ...header, serial: 2 }),
    encodePacket({ ...header, serial: 3 }, Buffer.alloc(70_000, 3)),
  ];
  const stream = Buffer.concat(packets);

  it('yields packets split across chunks at every byte', () => {
    const framer = new PacketFramer();
    const serials: number[] = [];
    for (let i = 0; i < stream.length; i += 1) {
      for (const packet of framer.push(stream.subarray(i, i + 1))) serials.push(packet.header.serial);
    }
    expect(serials).toEqual([1, 2, 3]);
    expect(framer.pendingBytes).toBe(0);
  });

  it('yields several packets from one chunk and keeps the partial rest', () => {
    const framer = new PacketFramer();
    const cut = packets[0]!.length + packets[1]!.length + 10;
    const first = framer.push(stream.subarray(0, cut));
    expect(first.map((p) => p.header.serial)).toEqual([1, 2]);
    expect(framer.pendingBytes).toBe(10);
    const rest = framer.push(stream.subarray(cut));
    expect(rest.map((p) => p.header.serial)).toEqual([3]);
    expect(rest[0]!.body.length).toBe(70_000);
    expect(rest[0]!.body.every((b) => b === 3)).toBe(true);
  });

  it('refuses lengths below a header or above the maximum, even before the packet is complete', () => {
    const tiny = Buffer.alloc(4);
    tiny.writeUInt32BE(27, 0);
    expect(() => new PacketFramer().push(tiny)).toThrow(/invalid packet length 27/);
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(1_000_000, 0);
    expect(() => new PacketFramer(65_536).push(huge)).toThrow(/invalid packet length 1000000/);
  });
});
