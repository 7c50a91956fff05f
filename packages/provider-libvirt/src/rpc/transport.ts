/**
 * Byte streams to a libvirt daemon: its local unix socket, or any Duplex (an SSH session's
 * forwarded unix socket is how qemu+ssh:// works).
 */
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { ImsError, isImsError, type SshSession } from '@ims/spi';
import { SYSTEM_SOCKET } from './uri.js';

/** A connected byte stream to libvirt, with a label for messages. */
export interface Transport {
  /** The stream; the RPC connection owns it. */
  stream: Duplex;
  /** Where it goes, e.g. `unix:/run/libvirt/libvirt-sock` or `ssh://root@host:22/run/libvirt/libvirt-sock`. */
  target: string;
}

/** Options of {@link openUnixTransport}. */
export interface UnixTransportOptions {
  /** Give up after this many milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Cancels connecting. */
  signal?: AbortSignal;
}

/** Wraps an already connected Duplex (e.g. from `SshSession.openUnixSocket`) as a transport. */
export function duplexTransport(stream: Duplex, target: string): Transport {
  return { stream, target };
}

/** Connects to the daemon's socket on an SSH host through the session's unix socket forwarding. */
export async function openSshTransport(
  session: Pick<SshSession, 'openUnixSocket' | 'target'>,
  socketPath: string,
): Promise<Transport> {
  const target = `${session.target}${socketPath}`;
  try {
    return duplexTransport(await session.openUnixSocket(socketPath), target);
  } catch (error) {
    if (isImsError(error)) throw error;
    throw new ImsError('IMS_CONNECTION_FAILED', `Cannot reach libvirt at ${target}: ${describe(error)}.`, {
      hint: 'Check that libvirtd runs on the host and that the SSH user may open its socket.',
      cause: error,
      details: { target },
    });
  }
}

/** Connects to a libvirt daemon's unix socket on this machine. */
export function openUnixTransport(
  path: string = SYSTEM_SOCKET,
  options: UnixTransportOptions = {},
): Promise<Transport> {
  const target = `unix:${path}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise<Transport>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new ImsError('IMS_ABORTED', `Connecting to libvirt at ${target} was cancelled.`));
      return;
    }
    const socket = connect({ path });
    const finish = (error: ImsError | undefined) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('connect', onConnect);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve({ stream: socket, target });
      }
    };
    const onConnect = () => finish(undefined);
    const onError = (error: NodeJS.ErrnoException) => finish(socketError(target, error));
    const onAbort = () =>
      finish(new ImsError('IMS_ABORTED', `Connecting to libvirt at ${target} was cancelled.`));
    const timer = setTimeout(
      () =>
        finish(
          new ImsError(
            'IMS_CONNECTION_FAILED',
            `Cannot connect to libvirt at ${target}: no answer within ${timeoutMs} ms.`,
            {
              hint: 'Check that libvirtd is running and not overloaded.',
              details: { target, timeoutMs },
            },
          ),
        ),
      timeoutMs,
    );
    socket.once('connect', onConnect);
    socket.once('error', onError);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function socketError(target: string, error: NodeJS.ErrnoException): ImsError {
  const details = { target, errno: error.code };
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return new ImsError('IMS_AUTH_FAILED', `Cannot connect to libvirt at ${target}: permission denied.`, {
      hint: 'Run as root or as a member of the libvirt group.',
      cause: error,
      details,
    });
  }
  const why =
    error.code === 'ENOENT'
      ? 'the socket does not exist'
      : error.code === 'ECONNREFUSED'
        ? 'nothing is listening on the socket'
        : describe(error);
  return new ImsError('IMS_CONNECTION_FAILED', `Cannot connect to libvirt at ${target}: ${why}.`, {
    hint: 'Start libvirtd on the host (or set socket= in the URI to where it listens).',
    cause: error,
    details,
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
