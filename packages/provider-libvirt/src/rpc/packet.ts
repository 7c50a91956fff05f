/**
 * libvirt RPC framing (src/rpc/virnetprotocol.x): a 4-byte big-endian length that counts itself,
 * a 24-byte header, then the XDR body.
 */
import { XdrError } from './xdr.js';

/** Program number of libvirt's main (REMOTE) protocol. */
export const REMOTE_PROGRAM = 0x20008086;
/** Program number of the QEMU-specific protocol (agent and monitor commands). */
export const QEMU_PROGRAM = 0x20008087;
/** Program number of the keepalive protocol ("keep" in ASCII). */
export const KEEPALIVE_PROGRAM = 0x6b656570;
/** Version of every program above. */
export const PROTOCOL_VERSION = 1;

/** Keepalive procedures. */
export const KeepaliveProc = { PING: 1, PONG: 2 } as const;

/** `virNetMessageType`. */
export const MessageType = {
  CALL: 0,
  REPLY: 1,
  MESSAGE: 2,
  STREAM: 3,
  CALL_WITH_FDS: 4,
  REPLY_WITH_FDS: 5,
  STREAM_HOLE: 6,
} as const;

/** `virNetMessageStatus`. */
export const MessageStatus = { OK: 0, ERROR: 1, CONTINUE: 2 } as const;

/** Bytes of the length word. */
export const LENGTH_BYTES = 4;
/** Bytes of the header. */
export const HEADER_BYTES = 24;
/**
 * Largest packet accepted from the peer, length word included: libvirt's VIR_NET_MESSAGE_MAX
 * (16 MiB in old releases, 32 MiB in current ones) plus the length word. Anything larger is a
 * corrupt or hostile stream.
 */
export const MAX_PACKET_BYTES = 32 * 1024 * 1024 + LENGTH_BYTES;
/**
 * Payload of one stream data packet we send: VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX (256 KiB minus
 * the header), which every libvirt version accepts.
 */
export const STREAM_CHUNK_BYTES = 256 * 1024 - HEADER_BYTES;

/** `virNetMessageHeader`. */
export interface PacketHeader {
  /** Program number. */
  prog: number;
  /** Program version. */
  vers: number;
  /** Procedure number within the program. */
  proc: number;
  /** One of {@link MessageType}. */
  type: number;
  /** Serial matching a reply or stream packet to its call. */
  serial: number;
  /** One of {@link MessageStatus}. */
  status: number;
}

/** One decoded packet. */
export interface Packet {
  /** The header. */
  header: PacketHeader;
  /** The XDR body (a view into the receive buffer's copy). */
  body: Buffer;
}

/** Encodes a complete packet: length word, header and body. */
export function encodePacket(header: PacketHeader, body: Uint8Array = new Uint8Array(0)): Buffer {
  const total = LENGTH_BYTES + HEADER_BYTES + body.length;
  const packet = Buffer.alloc(total);
  packet.writeUInt32BE(total, 0);
  packet.writeUInt32BE(header.prog >>> 0, 4);
  packet.writeUInt32BE(header.vers >>> 0, 8);
  packet.writeInt32BE(header.proc, 12);
  packet.writeInt32BE(header.type, 16);
  packet.writeUInt32BE(header.serial >>> 0, 20);
  packet.writeInt32BE(header.status, 24);
  packet.set(body, LENGTH_BYTES + HEADER_BYTES);
  return packet;
}

/** Decodes one complete packet (length word included); refuses lengths that disagree. */
export function decodePacket(packet: Buffer): Packet {
  if (packet.length < LENGTH_BYTES + HEADER_BYTES) {
    throw new XdrError(`packet of ${packet.length} bytes is shorter than a header`);
  }
  const declared = packet.readUInt32BE(0);
  if (declared !== packet.length) {
    throw new XdrError(`packet declares ${declared} bytes but has ${packet.length}`);
  }
  return {
    header: {
      prog: packet.readUInt32BE(4),
      vers: packet.readUInt32BE(8),
      proc: packet.readInt32BE(12),
      type: packet.readInt32BE(16),
      serial: packet.readUInt32BE(20),
      status: packet.readInt32BE(24),
    },
    body: packet.subarray(LENGTH_BYTES + HEADER_BYTES),
  };
}

/**
 * Splits a byte stream into packets. Feed it chunks as they arrive; it returns the complete
 * packets and keeps any partial one. A length outside [28, maxBytes] is a framing error: the
 * stream cannot be resynchronised after it, so the caller must drop the connection.
 */
export class PacketFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** @param maxBytes largest acceptable packet, length word included */
  constructor(private readonly maxBytes = MAX_PACKET_BYTES) {}

  /** Bytes held that do not yet form a complete packet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Adds received bytes and returns every packet now complete. */
  push(chunk: Buffer): Packet[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const packets: Packet[] = [];
    while (this.buffered >= LENGTH_BYTES) {
      const length = this.peekLength();
      if (length < LENGTH_BYTES + HEADER_BYTES || length > this.maxBytes) {
        throw new XdrError(
          `invalid packet length ${length} (must be between ${LENGTH_BYTES + HEADER_BYTES} and ${this.maxBytes})`,
        );
      }
      if (this.buffered < length) break;
      packets.push(decodePacket(this.take(length)));
    }
    return packets;
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= LENGTH_BYTES) return first.readUInt32BE(0);
    // Merge just enough leading chunks to read the length, so tiny chunks stay linear.
    const head: Buffer[] = [];
    let bytes = 0;
    for (const chunk of this.chunks) {
      head.push(chunk);
      bytes += chunk.length;
      if (bytes >= LENGTH_BYTES) break;
    }
    const merged = Buffer.concat(head, bytes);
    this.chunks.splice(0, head.length, merged);
    return merged.readUInt32BE(0);
  }

  private take(length: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length === length) {
      this.chunks.shift();
      this.buffered -= length;
      return first;
    }
    if (first.length > length) {
      this.chunks[0] = first.subarray(length);
      this.buffered -= length;
      return first.subarray(0, length);
    }
    const all = Buffer.concat(this.chunks, this.buffered);
    const packet = all.subarray(0, length);
    const rest = all.subarray(length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return packet;
  }
}
