/** A scripted stand-in for libvirtd on a unix socket, for protocol tests that need misbehaviour. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePacket, type Packet, PacketFramer, type PacketHeader } from '../src/rpc/packet.js';
import { xdrEncode } from '../src/rpc/xdr.js';

/** One client connection as the fake server sees it. */
export interface FakePeer {
  /** The server side of the socket. */
  socket: Socket;
  /** Every packet received so far. */
  received: Packet[];
  /** Sends a packet. */
  send(header: PacketHeader, body?: Uint8Array): void;
  /** Sends a reply (type 1) to `call` with `status` and `body`. */
  reply(call: Packet, body?: Uint8Array, status?: number): void;
  /** Sends an error reply carrying a remote_error with `code` and `message`. */
  replyError(call: Packet, code: number, message: string): void;
}

/** A running fake server. */
export interface FakeLibvirtd {
  /** Its socket path. */
  path: string;
  /** Connections accepted so far, in order. */
  peers: FakePeer[];
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/** Encodes a remote_error the way libvirtd does. */
export function remoteErrorBody(code: number, message: string, domain = 10): Buffer {
  return xdrEncode((w) => {
    w.int(code).int(domain);
    w.optional(message, (ww, m) => ww.string(m));
    w.int(2); // level: error
    w.bool(false); // dom
    w.bool(false).bool(false).bool(false); // str1..3
    w.int(0).int(0);
    w.bool(false); // net
  });
}

/** Starts a fake server; `onPacket` runs for every packet any client sends. */
export async function startFakeLibvirtd(
  onPacket: (packet: Packet, peer: FakePeer) => void,
): Promise<FakeLibvirtd> {
  const dir = await mkdtemp(join(tmpdir(), 'ims-fake-libvirtd-'));
  const path = join(dir, 'sock');
  const peers: FakePeer[] = [];
  const server: Server = createServer((socket) => {
    const framer = new PacketFramer();
    const peer: FakePeer = {
      socket,
      received: [],
      send: (header, body) => {
        if (!socket.destroyed) socket.write(encodePacket(header, body));
      },
      reply: (call, body, status = 0) =>
        peer.send({ ...call.header, type: 1, status }, body ?? new Uint8Array(0)),
      replyError: (call, code, message) => peer.reply(call, remoteErrorBody(code, message), 1),
    };
    peers.push(peer);
    socket.on('data', (chunk: Buffer) => {
      for (const packet of framer.push(chunk)) {
        peer.received.push(packet);
        onPacket(packet, peer);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    peers,
    stop: async () => {
      for (const peer of peers) peer.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
