import { connect, type Socket } from 'node:net';
import { type ErrorCode, isImsError } from '@ims/spi';
import { afterEach, describe, expect, it } from 'vitest';
import { rejection } from '../../../core/test/rejection.js';
import {
  type FakeLibvirtd,
  type FakePeer,
  remoteErrorBody,
  startFakeLibvirtd,
} from '../../test/fake-libvirtd.js';
import { LibvirtClient } from './client.js';
import { RpcConnection } from './connection.js';
import { VirErr } from './libvirt-error.js';
import {
  KEEPALIVE_PROGRAM,
  KeepaliveProc,
  MessageStatus,
  MessageType,
  type Packet,
  REMOTE_PROGRAM,
  STREAM_CHUNK_BYTES,
} from './packet.js';
import { RemoteProc } from './procedures.js';
import { xdrEncode } from './xdr.js';

let server: FakeLibvirtd | undefined;
const open: RpcConnection[] = [];

afterEach(async () => {
  for (const connection of open.splice(0)) await connection.close();
  await server?.stop();
  server = undefined;
});

async function serve(onPacket: (packet: Packet, peer: FakePeer) => void): Promise<FakeLibvirtd> {
  server = await startFakeLibvirtd(onPacket);
  return server;
}

async function socketTo(path: string): Promise<Socket> {
  const socket = connect({ path });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

async function connectTo(fake: FakeLibvirtd, options: ConstructorParameters<typeof RpcConnection>[1] = {}) {
  const connection = new RpcConnection(await socketTo(fake.path), { target: 'fake', ...options });
  open.push(connection);
  return connection;
}

function codeOf(error: unknown): ErrorCode | undefined {
  return isImsError(error) ? error.code : undefined;
}

const int = (value: number) => xdrEncode((w) => w.int(value));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('calls', () => {
  it('matches replies to calls by serial, whatever order they come back in', async () => {
    const held: Packet[] = [];
    const fake = await serve((packet, peer) => {
      held.push(packet);
      if (held.length === 3) for (const call of held.reverse()) peer.reply(call, call.body);
    });
    const connection = await connectTo(fake);
    const replies = await Promise.all(
      [1, 2, 3].map((n) => connection.call(REMOTE_PROGRAM, RemoteProc.CONNECT_GET_LIB_VERSION, int(n))),
    );
    expect(replies.map((body) => body.readInt32BE(0))).toEqual([1, 2, 3]);
    const serials = fake.peers[0]!.received.map((p) => p.header.serial);
    expect(new Set(serials).size).toBe(3);
    expect(fake.peers[0]!.received[0]!.header).toMatchObject({
      prog: REMOTE_PROGRAM,
      vers: 1,
      proc: RemoteProc.CONNECT_GET_LIB_VERSION,
      type: MessageType.CALL,
      status: MessageStatus.OK,
    });
  });

  it.each([
    [VirErr.NO_DOMAIN, 'IMS_VM_NOT_FOUND'],
    [VirErr.OPERATION_INVALID, 'IMS_INVALID_STATE'],
    [VirErr.NO_STORAGE_VOL, 'IMS_PROVIDER_ERROR'],
    [VirErr.NO_STORAGE_POOL, 'IMS_PROVIDER_ERROR'],
    [VirErr.AUTH_FAILED, 'IMS_AUTH_FAILED'],
    [VirErr.ACCESS_DENIED, 'IMS_AUTH_FAILED'],
    [VirErr.DOM_EXIST, 'IMS_ALREADY_EXISTS'],
    [VirErr.NO_CONNECT, 'IMS_CONNECTION_FAILED'],
    [VirErr.OPERATION_TIMEOUT, 'IMS_TIMEOUT'],
    [VirErr.INTERNAL_ERROR, 'IMS_PROVIDER_ERROR'],
    [12345, 'IMS_PROVIDER_ERROR'],
  ] as const)('maps libvirt error %i to %s, keeping its message and code', async (libvirtCode, imsCode) => {
    const fake = await serve((packet, peer) =>
      peer.replyError(packet, libvirtCode, `libvirt says ${libvirtCode}`),
    );
    const connection = await connectTo(fake);
    const error = await rejection(connection.call(REMOTE_PROGRAM, RemoteProc.DOMAIN_LOOKUP_BY_NAME, int(0)));
    expect(codeOf(error)).toBe(imsCode);
    expect((error as Error).message).toBe(
      `libvirt DOMAIN_LOOKUP_BY_NAME failed: libvirt says ${libvirtCode}`,
    );
    expect(isImsError(error) && error.details).toMatchObject({
      libvirtCode,
      procedure: 'DOMAIN_LOOKUP_BY_NAME',
    });
    expect(isImsError(error) && error.hint).toBeTruthy();
  });

  it('reports an error reply it cannot decode as a malformed reply', async () => {
    const fake = await serve((packet, peer) => peer.reply(packet, int(42), MessageStatus.ERROR));
    const connection = await connectTo(fake);
    const error = await rejection(connection.call(REMOTE_PROGRAM, RemoteProc.AUTH_LIST, new Uint8Array(0)));
    expect(codeOf(error)).toBe('IMS_PROVIDER_ERROR');
    expect((error as Error).message).toMatch(/AUTH_LIST returned a malformed reply: undecodable error reply/);
  });

  it('fails a call after its timeout and ignores the late reply', async () => {
    let first: Packet | undefined;
    const fake = await serve((packet, peer) => {
      if (!first) first = packet;
      else peer.reply(packet, int(2));
    });
    const connection = await connectTo(fake);
    const error = await rejection(connection.call(REMOTE_PROGRAM, 4, int(1), { timeoutMs: 50 }));
    expect(codeOf(error)).toBe('IMS_TIMEOUT');
    fake.peers[0]!.reply(first!, int(1));
    const next = await connection.call(REMOTE_PROGRAM, 4, int(2));
    expect(next.readInt32BE(0)).toBe(2);
  });

  it('fails a call when its signal fires', async () => {
    const fake = await serve(() => {});
    const connection = await connectTo(fake);
    const controller = new AbortController();
    const pending = connection.call(REMOTE_PROGRAM, 4, int(1), { signal: controller.signal });
    controller.abort();
    expect(codeOf(await rejection(pending))).toBe('IMS_ABORTED');
    expect(
      codeOf(await rejection(connection.call(REMOTE_PROGRAM, 4, int(1), { signal: controller.signal }))),
    ).toBe('IMS_ABORTED');
  });
});

describe('keepalive', () => {
  it("answers the daemon's PING with a PONG", async () => {
    const pong = new Promise<Packet>((resolve) => {
      void serve((packet) => {
        if (packet.header.prog === KEEPALIVE_PROGRAM) resolve(packet);
      }).then(async (fake) => {
        await connectTo(fake);
        while (fake.peers.length === 0) await wait(5);
        fake.peers[0]!.send({
          prog: KEEPALIVE_PROGRAM,
          vers: 1,
          proc: KeepaliveProc.PING,
          type: MessageType.MESSAGE,
          serial: 0,
          status: MessageStatus.OK,
        });
      });
    });
    expect((await pong).header).toEqual({
      prog: KEEPALIVE_PROGRAM,
      vers: 1,
      proc: KeepaliveProc.PONG,
      type: MessageType.MESSAGE,
      serial: 0,
      status: MessageStatus.OK,
    });
  });

  it('pings a silent daemon and drops the connection when it never answers', async () => {
    const fake = await serve(() => {});
    const connection = await connectTo(fake, { keepalive: { intervalMs: 40, count: 3 } });
    const pending = connection.call(REMOTE_PROGRAM, 4, int(1));
    const error = await rejection(pending);
    expect(codeOf(error)).toBe('IMS_CONNECTION_FAILED');
    expect((error as Error).message).toMatch(/did not answer keepalive pings/);
    const pings = fake.peers[0]!.received.filter((p) => p.header.prog === KEEPALIVE_PROGRAM);
    expect(pings.length).toBeGreaterThanOrEqual(1);
    expect(pings[0]!.header).toMatchObject({
      proc: KeepaliveProc.PING,
      type: MessageType.MESSAGE,
      serial: 0,
    });
  });
});

describe('losing the connection', () => {
  it('rejects pending calls with IMS_CONNECTION_FAILED when the daemon closes, and stays dead', async () => {
    const fake = await serve((_packet, peer) => peer.socket.destroy());
    const connection = await connectTo(fake);
    const closed = new Promise<unknown>((resolve) => connection.onClose(resolve));
    const error = await rejection(connection.call(REMOTE_PROGRAM, 4, int(1)));
    expect(codeOf(error)).toBe('IMS_CONNECTION_FAILED');
    expect((error as Error).message).toMatch(/^The connection to fake was lost/);
    expect(codeOf(await closed)).toBe('IMS_CONNECTION_FAILED');
    expect(connection.isOpen).toBe(false);
    expect(codeOf(await rejection(connection.call(REMOTE_PROGRAM, 4, int(1))))).toBe('IMS_CONNECTION_FAILED');
    const late = await new Promise<unknown>((resolve) => connection.onClose(resolve));
    expect(codeOf(late)).toBe('IMS_CONNECTION_FAILED');
  });

  it('drops the connection on a packet with an impossible length', async () => {
    const fake = await serve((_packet, peer) => peer.socket.write(Buffer.from([0, 0, 0, 5, 1, 2, 3, 4])));
    const connection = await connectTo(fake);
    const error = await rejection(connection.call(REMOTE_PROGRAM, 4, int(1)));
    expect(codeOf(error)).toBe('IMS_CONNECTION_FAILED');
    expect((error as Error).message).toMatch(/malformed packet \(invalid packet length 5/);
    expect(connection.isOpen).toBe(false);
  });

  it('rejects pending calls when the client closes', async () => {
    const fake = await serve(() => {});
    const connection = await connectTo(fake);
    const pending = rejection(connection.call(REMOTE_PROGRAM, 4, int(1)));
    await connection.close();
    const error = await pending;
    expect(codeOf(error)).toBe('IMS_CONNECTION_FAILED');
    expect((error as Error).message).toMatch(/closed by IMS/);
  });
});

describe('upload streams', () => {
  const uploadProc = RemoteProc.STORAGE_VOL_UPLOAD;

  function streamPackets(peer: FakePeer): Packet[] {
    return peer.received.filter((p) => p.header.type === MessageType.STREAM);
  }

  /** A fake daemon that accepts the call, collects data and confirms the finish. */
  function acceptingDaemon(collected: Buffer[]) {
    return (packet: Packet, peer: FakePeer) => {
      if (packet.header.type === MessageType.CALL) peer.reply(packet);
      else if (packet.header.status === MessageStatus.CONTINUE) collected.push(packet.body);
      else if (packet.header.status === MessageStatus.OK) peer.send({ ...packet.header }, new Uint8Array(0));
    };
  }

  async function* chunksOf(data: Buffer, size: number) {
    for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
  }

  it('sends data packets with status continue, finishes with an empty ok packet, and waits for the confirmation', async () => {
    const collected: Buffer[] = [];
    const fake = await serve(acceptingDaemon(collected));
    const connection = await connectTo(fake);
    const data = Buffer.alloc(STREAM_CHUNK_BYTES * 2 + 1000, 7);
    const progress: number[] = [];
    await connection.upload(REMOTE_PROGRAM, uploadProc, int(9), chunksOf(data, 400_000), {
      onProgress: (sent) => progress.push(sent),
    });
    expect(Buffer.concat(collected).equals(data)).toBe(true);
    const packets = streamPackets(fake.peers[0]!);
    const call = fake.peers[0]!.received[0]!;
    expect(call.header).toMatchObject({ type: MessageType.CALL, proc: uploadProc });
    expect(call.body.readInt32BE(0)).toBe(9);
    for (const p of packets) {
      expect(p.header).toMatchObject({ prog: REMOTE_PROGRAM, proc: uploadProc, serial: call.header.serial });
      expect(p.body.length).toBeLessThanOrEqual(STREAM_CHUNK_BYTES);
    }
    expect(packets.at(-1)!.header.status).toBe(MessageStatus.OK);
    expect(packets.at(-1)!.body.length).toBe(0);
    expect(progress.at(-1)).toBe(data.length);
  });

  it('does not resolve before libvirt confirms the end of the stream', async () => {
    let finishPacket: Packet | undefined;
    const fake = await serve((packet, peer) => {
      if (packet.header.type === MessageType.CALL) peer.reply(packet);
      else if (packet.header.status === MessageStatus.OK) finishPacket = packet;
    });
    const connection = await connectTo(fake);
    let done = false;
    const upload = connection
      .upload(REMOTE_PROGRAM, uploadProc, int(0), chunksOf(Buffer.alloc(10), 10))
      .then(() => {
        done = true;
      });
    while (!finishPacket) await wait(5);
    await wait(50);
    expect(done).toBe(false);
    fake.peers[0]!.send({ ...finishPacket.header }, new Uint8Array(0));
    await upload;
    expect(done).toBe(true);
  });

  it('respects back-pressure: a daemon that stops reading holds the sender back', async () => {
    const collected: Buffer[] = [];
    const accept = acceptingDaemon(collected);
    let paused: (() => void) | undefined;
    const pausedNow = new Promise<void>((resolve) => {
      paused = resolve;
    });
    const fake = await serve((packet, peer) => {
      accept(packet, peer);
      if (packet.header.type === MessageType.CALL) {
        peer.socket.pause();
        paused!();
      }
    });
    const connection = await connectTo(fake);
    const total = 32 * 1024 * 1024;
    let sent = 0;
    const upload = connection.upload(
      REMOTE_PROGRAM,
      uploadProc,
      int(0),
      chunksOf(Buffer.alloc(total, 1), 1 << 20),
      {
        onProgress: (bytes) => {
          sent = bytes;
        },
      },
    );
    await pausedNow;
    await wait(300);
    // Only what fits the kernel's socket buffers and one packet in Node's write queue went out.
    expect(sent).toBeLessThan(total / 4);
    fake.peers[0]!.socket.resume();
    await upload;
    expect(sent).toBe(total);
    expect(Buffer.concat(collected).length).toBe(total);
  });

  it('stops and fails with the mapped error when libvirt reports a stream error', async () => {
    let dataPackets = 0;
    const fake = await serve((packet, peer) => {
      if (packet.header.type === MessageType.CALL) peer.reply(packet);
      else if (packet.header.status === MessageStatus.CONTINUE && ++dataPackets === 2) {
        peer.send(
          { ...packet.header, status: MessageStatus.ERROR },
          remoteErrorBody(VirErr.SYSTEM_ERROR, 'disk full'),
        );
      }
    });
    const connection = await connectTo(fake);
    const error = await rejection(
      connection.upload(
        REMOTE_PROGRAM,
        uploadProc,
        int(0),
        chunksOf(Buffer.alloc(64 * 1024 * 1024), 1 << 20),
      ),
    );
    expect(codeOf(error)).toBe('IMS_PROVIDER_ERROR');
    expect((error as Error).message).toContain('disk full');
    const sentBytes = streamPackets(fake.peers[0]!).reduce((sum, p) => sum + p.body.length, 0);
    expect(sentBytes).toBeLessThan(64 * 1024 * 1024);
    expect(connection.isOpen).toBe(true);
  });

  it('sends no data when libvirt refuses the call', async () => {
    const fake = await serve((packet, peer) => peer.replyError(packet, VirErr.NO_STORAGE_VOL, 'no vol'));
    const connection = await connectTo(fake);
    const error = await rejection(
      connection.upload(REMOTE_PROGRAM, uploadProc, int(0), chunksOf(Buffer.alloc(10), 5)),
    );
    expect((error as Error).message).toBe('libvirt STORAGE_VOL_UPLOAD failed: no vol');
    await wait(20);
    expect(streamPackets(fake.peers[0]!)).toHaveLength(0);
  });

  it('tells libvirt to abort when cancelled, and fails with IMS_ABORTED', async () => {
    const fake = await serve((packet, peer) => {
      if (packet.header.type === MessageType.CALL) peer.reply(packet);
      else if (packet.header.status === MessageStatus.ERROR) {
        peer.send(
          { ...packet.header, type: MessageType.REPLY },
          remoteErrorBody(VirErr.RPC, 'stream aborted'),
        );
      }
    });
    const connection = await connectTo(fake);
    const controller = new AbortController();
    async function* endless() {
      for (;;) {
        yield Buffer.alloc(1024);
        await wait(1);
      }
    }
    const upload = connection.upload(REMOTE_PROGRAM, uploadProc, int(0), endless(), {
      signal: controller.signal,
    });
    await wait(30);
    controller.abort();
    expect(codeOf(await rejection(upload))).toBe('IMS_ABORTED');
    const last = streamPackets(fake.peers[0]!).at(-1)!;
    expect(last.header.status).toBe(MessageStatus.ERROR);
    expect(last.body.length).toBe(0);
  });

  it('aborts the stream when the source fails, and rethrows its error', async () => {
    const fake = await serve((packet, peer) => {
      if (packet.header.type === MessageType.CALL) peer.reply(packet);
      else if (packet.header.status === MessageStatus.ERROR)
        peer.send({ ...packet.header }, new Uint8Array(0));
    });
    const connection = await connectTo(fake);
    async function* broken() {
      yield Buffer.alloc(100);
      throw new Error('disk read failed');
    }
    const error = await rejection(connection.upload(REMOTE_PROGRAM, uploadProc, int(0), broken()));
    expect((error as Error).message).toBe('disk read failed');
    expect(streamPackets(fake.peers[0]!).at(-1)!.header.status).toBe(MessageStatus.ERROR);
  });

  it('fails with IMS_CONNECTION_FAILED when the connection dies mid-upload', async () => {
    const fake = await serve((packet, peer) => {
      if (packet.header.type === MessageType.CALL) peer.reply(packet);
      else peer.socket.destroy();
    });
    const connection = await connectTo(fake);
    const error = await rejection(
      connection.upload(REMOTE_PROGRAM, uploadProc, int(0), chunksOf(Buffer.alloc(8 * 1024 * 1024), 1 << 20)),
    );
    expect(codeOf(error)).toBe('IMS_CONNECTION_FAILED');
  });
});

describe('LibvirtClient handshake', () => {
  /** A fake daemon answering AUTH_LIST with `authTypes`, CONNECT_OPEN with ok, and `other` for the rest. */
  function handshakeDaemon(authTypes: number[], other: (packet: Packet, peer: FakePeer) => void) {
    return (packet: Packet, peer: FakePeer) => {
      if (packet.header.proc === RemoteProc.AUTH_LIST) {
        peer.reply(
          packet,
          xdrEncode((w) => w.array(authTypes, (ww, t) => ww.int(t))),
        );
      } else if (packet.header.proc === RemoteProc.CONNECT_OPEN) {
        peer.reply(packet);
      } else {
        other(packet, peer);
      }
    };
  }

  async function clientFor(fake: FakeLibvirtd): Promise<LibvirtClient> {
    return LibvirtClient.connect(`test+unix:///default?socket=${fake.path}`);
  }

  it('lists auth types, then opens the name from the URI', async () => {
    const fake = await serve(handshakeDaemon([0], (packet, peer) => peer.reply(packet)));
    const client = await clientFor(fake);
    await client.close();
    // close() does not wait for the daemon to read the CONNECT_CLOSE it sent.
    const received = fake.peers[0]!.received;
    for (let i = 0; i < 100 && received.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received.map((p) => p.header.proc)).toEqual([
      RemoteProc.AUTH_LIST,
      RemoteProc.CONNECT_OPEN,
      RemoteProc.CONNECT_CLOSE,
    ]);
    const openBody = received[1]!.body;
    expect(openBody.readUInt32BE(0)).toBe(1); // name present
    expect(openBody.subarray(8, 8 + openBody.readUInt32BE(4)).toString()).toBe('test:///default');
  });

  it('completes polkit authentication when the daemon asks for it', async () => {
    const fake = await serve(
      handshakeDaemon([2], (packet, peer) => {
        if (packet.header.proc === RemoteProc.AUTH_POLKIT) peer.reply(packet, int(1));
        else peer.reply(packet);
      }),
    );
    const client = await clientFor(fake);
    await client.close();
    expect(fake.peers[0]!.received.map((p) => p.header.proc)).toContain(RemoteProc.AUTH_POLKIT);
  });

  it('refuses SASL-only daemons with IMS_AUTH_FAILED and closes the connection', async () => {
    const fake = await serve(handshakeDaemon([1], () => {}));
    const error = await rejection(clientFor(fake));
    expect(codeOf(error)).toBe('IMS_AUTH_FAILED');
    expect((error as Error).message).toMatch(/offered: 1/);
  });

  it('reports a reply that does not match the procedure layout as malformed', async () => {
    const fake = await serve(
      handshakeDaemon([0], (packet, peer) =>
        peer.reply(
          packet,
          xdrEncode((w) => w.uhyper(9_000_000n).int(1)),
        ),
      ),
    );
    const client = await clientFor(fake);
    try {
      const error = await rejection(client.libVersion());
      expect(codeOf(error)).toBe('IMS_PROVIDER_ERROR');
      expect((error as Error).message).toMatch(
        /CONNECT_GET_LIB_VERSION returned a malformed reply: 4 unexpected trailing bytes/,
      );
      expect(client.isOpen).toBe(true);
    } finally {
      await client.close();
    }
  });
});
