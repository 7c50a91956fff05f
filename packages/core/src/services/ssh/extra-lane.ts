import type { Logger } from '@ims/spi';
import type { Client, SFTPWrapper } from 'ssh2';
import { closeRemote, openRemote, type UploadLane } from './sftp-upload.js';

/**
 * Files at least this big are uploaded over two connections. One ssh2 connection keeps neither
 * the client nor the server busy all the time; two interleave, and the second one's set-up (a few
 * tens of ms, overlapped with the first one's writes) pays off above this size.
 */
export const PARALLEL_UPLOAD_MIN_BYTES = 64 * 1024 * 1024;

/** How long closing a connection waits for a clean goodbye before dropping the socket. */
const CLOSE_GRACE_MS = 3000;

/** A second connection an upload spreads its writes over; see {@link openExtraLane}. */
export interface ExtraUploadLane {
  /**
   * The lane once the connection is up and the remote file is open on it (opened only after
   * `remoteOpened`, so the first channel's create-or-truncate comes first); undefined if that failed.
   */
  join(remoteOpened: Promise<unknown>): Promise<UploadLane | undefined>;
  /** Stops connecting, or closes the remote handle and the connection; rejects if the close failed. */
  release(): Promise<void>;
}

function openSftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) =>
    client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp))),
  );
}

/** Ends an SSH client politely, destroying it if the server does not close within a grace period. */
export function endClient(client: Client): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => client.destroy(), CLOSE_GRACE_MS);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

/**
 * Starts opening a second connection with `connect` (same host, same host key check) and an SFTP
 * channel on it. A lane that cannot be opened is only logged: the upload goes on over the first
 * connection. Errors once it carries writes fail the upload like errors on the first one.
 */
export function openExtraLane(
  connect: (signal: AbortSignal) => Promise<Client>,
  remotePath: string,
  logger?: Logger,
): ExtraUploadLane {
  const cancel = new AbortController();
  let client: Client | undefined;
  let opened: UploadLane | undefined;
  const channel = (async () => {
    client = await connect(cancel.signal);
    client.on('error', (error: Error) =>
      logger?.debug('SSH upload connection error', { error: error.message }),
    );
    return openSftp(client);
  })();
  // Until join() is called, a failure here must not surface as an unhandled rejection.
  channel.catch(() => {});
  let joined: Promise<UploadLane | undefined> | undefined;
  let released: Promise<void> | undefined;

  const join = (remoteOpened: Promise<unknown>) => {
    joined ??= (async () => {
      const sftp = await channel;
      await remoteOpened;
      if (cancel.signal.aborted) return undefined;
      opened = { sftp, handle: await openRemote(sftp, remotePath, 'r+') };
      return opened;
    })().catch((error: unknown) => {
      if (!cancel.signal.aborted) {
        logger?.debug('Uploading over one connection: a second one could not be opened', {
          error: (error as Error).message,
        });
      }
      return undefined;
    });
    return joined;
  };

  const release = async () => {
    cancel.abort();
    await (joined ?? channel.catch(() => undefined));
    try {
      if (opened) await closeRemote(opened.sftp, opened.handle);
    } finally {
      if (client) await endClient(client);
    }
  };

  return {
    join,
    release: () => {
      released ??= release();
      return released;
    },
  };
}
