/**
 * One libvirt RPC connection over any byte stream: serial-matched concurrent calls, error
 * replies, keepalive, upload streams, and a clean failure when the stream dies.
 */
import type { Duplex } from 'node:stream';
import { ImsError } from '@ims/spi';
import { decodeRemoteError, remoteErrorToImsError } from './libvirt-error.js';
import {
  encodePacket,
  KEEPALIVE_PROGRAM,
  KeepaliveProc,
  MAX_PACKET_BYTES,
  MessageStatus,
  MessageType,
  type Packet,
  PacketFramer,
  PROTOCOL_VERSION,
  STREAM_CHUNK_BYTES,
} from './packet.js';
import { procedureName } from './procedures.js';
import { XdrError, XdrReader, xdrEncode } from './xdr.js';

/** Client-side keepalive: ping when idle, give up when the peer stays silent. */
export interface KeepaliveOptions {
  /** Send a ping after this many milliseconds without receiving anything. */
  intervalMs: number;
  /** Declare the connection dead after `count` intervals without receiving anything. */
  count: number;
}

/** Options of an {@link RpcConnection}. */
export interface RpcConnectionOptions {
  /** Where the connection goes, for messages (e.g. `unix:/run/libvirt/libvirt-sock`). */
  target?: string;
  /** Send keepalive pings; off by default (the daemon's own pings are always answered). */
  keepalive?: KeepaliveOptions;
  /** Largest packet accepted from the peer (default 32 MiB plus the length word). */
  maxPacketBytes?: number;
}

/** Options of one call. */
export interface CallOptions {
  /** Reject with `IMS_TIMEOUT` after this many milliseconds (libvirt still finishes the call). */
  timeoutMs?: number;
  /** Reject with `IMS_ABORTED` when this fires (libvirt still finishes the call). */
  signal?: AbortSignal;
}

/**
 * A run of zero bytes in an upload, sent as a stream hole (`VIR_NET_STREAM_HOLE`) instead of data:
 * libvirt skips over it in the target, which stays sparse. Only for streams opened as sparse.
 */
export interface StreamHole {
  /** Bytes of zeros. */
  hole: number;
}

/** Options of an upload stream. */
export interface UploadOptions {
  /** Cancels the upload; libvirt is told to abort the stream. */
  signal?: AbortSignal;
  /** Called after each data packet with the bytes sent so far. */
  onProgress?: (sentBytes: number) => void;
}

interface PendingEntry {
  onPacket(packet: Packet): void;
  onFailure(error: ImsError): void;
}

const ABORT_CONFIRM_WAIT_MS = 5_000;

/** A libvirt RPC connection. Once the stream dies it stays dead: open a new one to reconnect. */
export class RpcConnection {
  private readonly framer: PacketFramer;
  private readonly pending = new Map<number, PendingEntry>();
  private readonly closeListeners = new Set<(error: ImsError) => void>();
  private readonly target: string;
  private nextSerial = 1;
  private failure: ImsError | undefined;
  private closedByClient = false;
  private lastReceived = Date.now();
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private transportError: Error | undefined;
  private readonly transportClosed: Promise<void>;

  /** @param transport a connected byte stream to libvirtd; the connection owns it from now on */
  constructor(
    private readonly transport: Duplex,
    options: RpcConnectionOptions = {},
  ) {
    this.target = options.target ?? 'libvirt';
    this.framer = new PacketFramer(options.maxPacketBytes ?? MAX_PACKET_BYTES);
    this.transportClosed = new Promise((resolve) => transport.once('close', () => resolve()));
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('error', (error: Error) => {
      this.transportError = error;
      this.fail(this.lostError(error.message));
    });
    transport.on('end', () => {
      this.fail(this.lostError('libvirt closed the connection'));
      transport.destroy();
    });
    transport.on('close', () => {
      this.fail(this.lostError(this.transportError?.message ?? 'the connection was closed'));
    });
    if (options.keepalive) this.startKeepalive(options.keepalive);
  }

  /** True until the connection is closed or lost. */
  get isOpen(): boolean {
    return this.failure === undefined;
  }

  /** Calls `listener` once when the connection is closed or lost; returns an unsubscribe function. */
  onClose(listener: (error: ImsError) => void): () => void {
    if (this.failure) {
      const failure = this.failure;
      queueMicrotask(() => listener(failure));
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Calls procedure `proc` of program `prog` with an XDR-encoded body; resolves to the reply body. */
  call(prog: number, proc: number, body: Uint8Array, options: CallOptions = {}): Promise<Buffer> {
    const name = procedureName(prog, proc);
    if (this.failure) return Promise.reject(this.deadError());
    if (options.signal?.aborted) return Promise.reject(abortedError(name));
    return new Promise<Buffer>((resolve, reject) => {
      const serial = this.allocateSerial();
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => settle(() => reject(abortedError(name)));
      const settle = (action: () => void) => {
        if (!this.pending.delete(serial)) return;
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        action();
      };
      this.pending.set(serial, {
        onPacket: (packet) => settle(() => replyOutcome(packet, name, resolve, reject)),
        onFailure: (error) => settle(() => reject(error)),
      });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () =>
            settle(() =>
              reject(
                new ImsError(
                  'IMS_TIMEOUT',
                  `libvirt ${name} did not answer within ${options.timeoutMs} ms.`,
                  {
                    hint: 'The hypervisor may be overloaded; retry later.',
                    details: { procedure: name, timeoutMs: options.timeoutMs },
                  },
                ),
              ),
            ),
          options.timeoutMs,
        );
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.send(prog, proc, MessageType.CALL, serial, MessageStatus.OK, body);
    });
  }

  /**
   * Calls a procedure that opens an upload stream (e.g. STORAGE_VOL_UPLOAD), sends `source` as
   * stream data, then finishes the stream and waits for libvirt to confirm it. Respects the
   * transport's back-pressure.
   */
  async upload(
    prog: number,
    proc: number,
    args: Uint8Array,
    source: AsyncIterable<Uint8Array | StreamHole>,
    options: UploadOptions = {},
  ): Promise<void> {
    const name = procedureName(prog, proc);
    if (this.failure) throw this.deadError();
    if (options.signal?.aborted) throw abortedError(name);
    const serial = this.allocateSerial();
    const stream = new UploadState();
    this.pending.set(serial, {
      onPacket: (packet) => stream.receive(packet, name),
      onFailure: (error) => stream.fail(error),
    });
    const onAbort = () => stream.interrupt(abortedError(name));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.send(prog, proc, MessageType.CALL, serial, MessageStatus.OK, args);
      await Promise.race([stream.callReplied, stream.interrupted]);
      let sent = 0;
      // One stream packet standing for `bytes` of the target, sent with back-pressure.
      const packet = async (type: number, body: Uint8Array, bytes: number) => {
        stream.throwIfInterrupted();
        if (!this.send(prog, proc, type, serial, MessageStatus.CONTINUE, body)) await this.drained(stream);
        sent += bytes;
        options.onProgress?.(sent);
      };
      for await (const chunk of source) {
        if (chunk instanceof Uint8Array) {
          for (let offset = 0; offset < chunk.length; offset += STREAM_CHUNK_BYTES) {
            const piece = chunk.subarray(offset, offset + STREAM_CHUNK_BYTES);
            await packet(MessageType.STREAM, piece, piece.length);
          }
        } else {
          // virNetStreamHole: { hyper length; unsigned int flags; }
          const hole = xdrEncode((w) => w.hyper(BigInt(chunk.hole)).uint(0));
          await packet(MessageType.STREAM_HOLE, hole, chunk.hole);
        }
      }
      stream.throwIfInterrupted();
      this.send(prog, proc, MessageType.STREAM, serial, MessageStatus.OK, new Uint8Array(0));
      await Promise.race([stream.finished, stream.interrupted]);
    } catch (error) {
      if (this.isOpen && !stream.isSettled) await this.abortStream(prog, proc, serial, stream);
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.pending.delete(serial);
    }
  }

  /** Closes the connection; pending calls fail with `IMS_CONNECTION_FAILED`. */
  async close(): Promise<void> {
    if (!this.failure) {
      this.closedByClient = true;
      this.fail(
        new ImsError('IMS_CONNECTION_FAILED', `The connection to ${this.target} was closed by IMS.`, {
          hint: 'Open a new connection.',
          details: { target: this.target },
        }),
      );
    }
    this.transport.end();
    // A local socket is done once our side is ended: the daemon closes its side on its own, and
    // waiting for that would only delay a CLI process's exit.
    const socket = this.transport as Duplex & { unref?: () => void };
    if (typeof socket.unref === 'function') {
      socket.unref();
      setTimeout(() => this.transport.destroy(), 1_000).unref();
      return;
    }
    // A peer that never finishes its side gets destroyed; a stream that never emits 'close' is not waited for.
    const destroyTimer = setTimeout(() => this.transport.destroy(), 1_000);
    let giveUpTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.transportClosed,
      new Promise<void>((resolve) => {
        giveUpTimer = setTimeout(resolve, 3_000);
      }),
    ]);
    clearTimeout(destroyTimer);
    clearTimeout(giveUpTimer);
  }

  private allocateSerial(): number {
    const serial = this.nextSerial;
    this.nextSerial = this.nextSerial >= 0xffff_ffff ? 1 : this.nextSerial + 1;
    return serial;
  }

  /** Writes one packet; returns false when the transport asks the writer to wait for 'drain'. */
  private send(prog: number, proc: number, type: number, serial: number, status: number, body: Uint8Array) {
    if (this.failure) return true;
    const packet = encodePacket({ prog, vers: PROTOCOL_VERSION, proc, type, serial, status }, body);
    return this.transport.write(packet);
  }

  private drained(stream: UploadState): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        this.transport.off('drain', onDrain);
        unsubscribe();
      };
      const onDrain = () => {
        cleanup();
        resolve();
      };
      const unsubscribe = stream.onInterrupt((error) => {
        cleanup();
        reject(error);
      });
      this.transport.on('drain', onDrain);
    });
  }

  private async abortStream(prog: number, proc: number, serial: number, stream: UploadState): Promise<void> {
    this.send(prog, proc, MessageType.STREAM, serial, MessageStatus.ERROR, new Uint8Array(0));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      stream.finished.catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ABORT_CONFIRM_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  private receive(chunk: Buffer): void {
    this.lastReceived = Date.now();
    let packets: Packet[];
    try {
      packets = this.framer.push(chunk);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.fail(this.lostError(`libvirt sent a malformed packet (${reason})`));
      this.transport.destroy();
      return;
    }
    for (const packet of packets) this.dispatch(packet);
  }

  private dispatch(packet: Packet): void {
    const { header } = packet;
    if (header.prog === KEEPALIVE_PROGRAM) {
      if (header.proc === KeepaliveProc.PING && !this.failure) {
        this.send(
          KEEPALIVE_PROGRAM,
          KeepaliveProc.PONG,
          MessageType.MESSAGE,
          0,
          MessageStatus.OK,
          new Uint8Array(0),
        );
      }
      return;
    }
    if (header.type !== MessageType.REPLY && header.type !== MessageType.STREAM) return; // events: not subscribed
    // A reply nobody waits for belongs to a call that timed out or was aborted.
    this.pending.get(header.serial)?.onPacket(packet);
  }

  private startKeepalive({ intervalMs, count }: KeepaliveOptions): void {
    this.keepaliveTimer = setInterval(() => {
      const silentMs = Date.now() - this.lastReceived;
      if (silentMs >= intervalMs * count) {
        this.fail(
          this.lostError(`libvirt did not answer keepalive pings for ${Math.round(silentMs / 1000)} s`),
        );
        this.transport.destroy();
      } else if (silentMs >= intervalMs) {
        this.send(
          KEEPALIVE_PROGRAM,
          KeepaliveProc.PING,
          MessageType.MESSAGE,
          0,
          MessageStatus.OK,
          new Uint8Array(0),
        );
      }
    }, intervalMs);
    this.keepaliveTimer.unref();
  }

  private lostError(reason: string): ImsError {
    return new ImsError('IMS_CONNECTION_FAILED', `The connection to ${this.target} was lost: ${reason}.`, {
      hint: 'Check that libvirtd is running on the host; the next operation reconnects.',
      details: { target: this.target, reason },
    });
  }

  private deadError(): ImsError {
    const failure = this.failure!;
    return new ImsError(failure.code, failure.message, {
      ...(failure.hint === undefined ? {} : { hint: failure.hint }),
      details: failure.details,
    });
  }

  private fail(error: ImsError): void {
    if (this.failure) return;
    this.failure = error;
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    // Each entry removes itself from `pending` as it settles.
    for (const entry of [...this.pending.values()]) entry.onFailure(error);
    this.pending.clear();
    for (const listener of this.closeListeners) listener(error);
    this.closeListeners.clear();
    if (!this.closedByClient) this.transport.destroy();
  }
}

/** Settles a call from its reply packet. */
function replyOutcome(
  packet: Packet,
  name: string,
  resolve: (body: Buffer) => void,
  reject: (error: ImsError) => void,
): void {
  const { header, body } = packet;
  if (header.type !== MessageType.REPLY) {
    reject(protocolError(name, `expected a reply, got message type ${header.type}`));
  } else if (header.status === MessageStatus.OK) {
    resolve(body);
  } else if (header.status === MessageStatus.ERROR) {
    reject(errorFromBody(body, name));
  } else {
    reject(protocolError(name, `unexpected reply status ${header.status}`));
  }
}

/** Decodes a `remote_error` body into an ImsError; a body that is not one is itself reported. */
function errorFromBody(body: Buffer, name: string): ImsError {
  try {
    const reader = new XdrReader(body);
    const remote = decodeRemoteError(reader);
    reader.end();
    return remoteErrorToImsError(remote, name);
  } catch (error) {
    if (error instanceof XdrError) return protocolError(name, `undecodable error reply (${error.message})`);
    throw error;
  }
}

/** A reply that does not follow the protocol. */
export function protocolError(name: string, reason: string): ImsError {
  return new ImsError('IMS_PROVIDER_ERROR', `libvirt ${name} returned a malformed reply: ${reason}.`, {
    hint: 'This libvirt version speaks a protocol IMS does not understand; report it with the libvirt version.',
    details: { procedure: name, reason },
  });
}

function abortedError(name: string): ImsError {
  return new ImsError('IMS_ABORTED', `libvirt ${name} was cancelled.`, { details: { procedure: name } });
}

/** Progress of one upload stream: the call's reply, then the final confirmation or an error. */
class UploadState {
  /** Resolves when libvirt accepted the call that opens the stream. */
  readonly callReplied: Promise<void>;
  /** Resolves when libvirt confirmed the end of the stream. */
  readonly finished: Promise<void>;
  /** Rejects as soon as the upload must stop: libvirt failed it, the connection died, or it was cancelled. */
  readonly interrupted: Promise<never>;
  private resolveCall!: () => void;
  private rejectCall!: (error: ImsError) => void;
  private resolveFinish!: () => void;
  private rejectFinish!: (error: ImsError) => void;
  private rejectInterrupted!: (error: ImsError) => void;
  private callDone = false;
  private settled = false;
  private error: ImsError | undefined;
  private readonly interruptListeners = new Set<(error: ImsError) => void>();

  constructor() {
    this.callReplied = new Promise((resolve, reject) => {
      this.resolveCall = resolve;
      this.rejectCall = reject;
    });
    this.finished = new Promise((resolve, reject) => {
      this.resolveFinish = resolve;
      this.rejectFinish = reject;
    });
    this.interrupted = new Promise<never>((_resolve, reject) => {
      this.rejectInterrupted = reject;
    });
    // Each may never be awaited when another path ends the upload first.
    this.callReplied.catch(() => {});
    this.finished.catch(() => {});
    this.interrupted.catch(() => {});
  }

  /** True once libvirt ended the stream (confirmed or failed) or the connection died. */
  get isSettled(): boolean {
    return this.settled;
  }

  /** Handles a packet for this stream's serial. */
  receive(packet: Packet, name: string): void {
    const { header, body } = packet;
    if (!this.callDone) {
      this.callDone = true;
      replyOutcome(
        packet,
        name,
        () => this.resolveCall(),
        (error) => this.fail(error),
      );
      return;
    }
    if (header.status === MessageStatus.ERROR) {
      this.fail(errorFromBody(body, name));
    } else if (header.status === MessageStatus.OK) {
      this.settled = true;
      this.resolveFinish();
    }
    // CONTINUE packets carry data towards us; an upload expects none and ignores them.
  }

  /** libvirt or the connection ended the stream with an error. */
  fail(error: ImsError): void {
    if (this.settled) return;
    this.settled = true;
    this.callDone = true;
    this.rejectCall(error);
    this.rejectFinish(error);
    this.interrupt(error);
  }

  /** Stops the upload on our side (cancellation); libvirt still has to be told. */
  interrupt(error: ImsError): void {
    if (this.error) return;
    this.error = error;
    this.rejectInterrupted(error);
    for (const listener of this.interruptListeners) listener(error);
    this.interruptListeners.clear();
  }

  /** Throws the reason the upload must stop, if any. */
  throwIfInterrupted(): void {
    if (this.error) throw this.error;
  }

  /** Calls `listener` when the upload must stop; returns an unsubscribe function. */
  onInterrupt(listener: (error: ImsError) => void): () => void {
    if (this.error) {
      const error = this.error;
      queueMicrotask(() => listener(error));
      return () => {};
    }
    this.interruptListeners.add(listener);
    return () => this.interruptListeners.delete(listener);
  }
}
