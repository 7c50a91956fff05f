import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { TransferProgress } from '@ims/spi';
import type { SFTPWrapper, Stats, TransferOptions } from 'ssh2';
import type { ExtraUploadLane } from './extra-lane.js';
import {
  closeLocal,
  closeRemote,
  localSize,
  openLocal,
  openRemote,
  setRemoteSize,
  startUpload,
} from './sftp-upload.js';

/** Parallel requests in flight per transfer; with {@link TRANSFER_CHUNK_BYTES} the fastest measured. */
export const TRANSFER_CONCURRENCY = 8;
/** Bytes per SFTP read or write request of a transfer. */
export const TRANSFER_CHUNK_BYTES = 131_072;

/** SFTP status code for a missing file (`SSH_FX_NO_SUCH_FILE`). */
const NO_SUCH_FILE = 2;

/** True for the SFTP error a server sends for a path that does not exist. */
export function isNoSuchFile(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === NO_SUCH_FILE;
}

function settle<T>(resolve: (value: T) => void, reject: (error: unknown) => void) {
  return (error: Error | undefined | null, value: T) => (error ? reject(error) : resolve(value));
}

function transferOptions(progress: { report: (done: number, total: number) => void }): TransferOptions {
  return {
    concurrency: TRANSFER_CONCURRENCY,
    chunkSize: TRANSFER_CHUNK_BYTES,
    step: (done, _chunk, total) => progress.report(done, total),
  };
}

/** Forwards progress, and reports completion once at the end if the transfer's own steps did not. */
function progressTracker(onProgress: TransferProgress | undefined) {
  let lastDone = -1;
  let lastTotal = -1;
  return {
    report(done: number, total: number) {
      lastDone = done;
      lastTotal = total;
      onProgress?.(done, total);
    },
    finish(total: number) {
      if (lastDone !== total || lastTotal !== total) onProgress?.(total, total);
    },
  };
}

/**
 * Uploads a local file with pipelined SFTP writes into a remote file created or truncated first.
 * With `extra`, the writes still to be sent are shared with that second connection once it is up.
 */
export async function sftpUpload(
  sftp: SFTPWrapper,
  localPath: string,
  remotePath: string,
  onProgress?: TransferProgress,
  extra?: ExtraUploadLane,
): Promise<void> {
  const progress = progressTracker(onProgress);
  let size = 0;
  let failure: unknown;
  let handle: Buffer | undefined;
  try {
    const fd = await openLocal(localPath);
    try {
      size = await localSize(fd);
      const opened = openRemote(sftp, remotePath, 'overwrite');
      const joined = extra?.join(opened);
      handle = await opened;
      const run = startUpload(fd, size, { sftp, handle }, (done) => progress.report(done, size));
      void joined?.then((lane) => lane && run.addLane(lane));
      await run.done;
      await setRemoteSize(sftp, handle, size);
    } finally {
      await closeLocal(fd);
    }
  } catch (error) {
    failure = error;
  }
  const closing = await Promise.allSettled([handle && closeRemote(sftp, handle), extra?.release()]);
  for (const outcome of closing) if (outcome.status === 'rejected') failure ??= outcome.reason;
  if (failure !== undefined) throw failure;
  progress.finish(size);
}

/** Downloads a remote file with parallel SFTP reads. */
export async function sftpDownload(
  sftp: SFTPWrapper,
  remotePath: string,
  localPath: string,
  onProgress?: TransferProgress,
): Promise<void> {
  const progress = progressTracker(onProgress);
  await new Promise<void>((resolve, reject) =>
    sftp.fastGet(remotePath, localPath, transferOptions(progress), (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  progress.finish((await stat(localPath)).size);
}

/** Stats a remote path, following links; `undefined` when it does not exist. */
export async function sftpStat(sftp: SFTPWrapper, remotePath: string): Promise<Stats | undefined> {
  try {
    return await new Promise<Stats>((resolve, reject) => sftp.stat(remotePath, settle(resolve, reject)));
  } catch (error) {
    if (isNoSuchFile(error)) return undefined;
    throw error;
  }
}

/**
 * Creates or replaces a remote file with exactly `mode`. The mode is set on the open handle before
 * any byte is written, so secrets never sit in a file readable by others, whatever the umask.
 */
export async function sftpWriteFile(
  sftp: SFTPWrapper,
  remotePath: string,
  data: Buffer,
  mode: number,
): Promise<void> {
  const handle = await new Promise<Buffer>((resolve, reject) =>
    sftp.open(remotePath, 'w', { mode }, settle(resolve, reject)),
  );
  let failure: unknown;
  try {
    await new Promise<void>((resolve, reject) =>
      sftp.fchmod(handle, mode, (error) => (error ? reject(error) : resolve())),
    );
    // ssh2 splits a write larger than the server's limit into several requests itself.
    await new Promise<void>((resolve, reject) =>
      sftp.write(handle, data, 0, data.length, 0, (error) => (error ? reject(error) : resolve())),
    );
  } catch (error) {
    failure = error;
  }
  await new Promise<void>((resolve, reject) =>
    sftp.close(handle, (error) => (error && failure === undefined ? reject(error) : resolve())),
  );
  if (failure !== undefined) throw failure;
}

/** Reads a whole remote file. */
export function sftpReadFile(sftp: SFTPWrapper, remotePath: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => sftp.readFile(remotePath, settle(resolve, reject)));
}

/** Creates a remote directory and its missing parents; an existing directory is fine. */
export async function sftpMkdirp(sftp: SFTPWrapper, remotePath: string): Promise<void> {
  const existing = await sftpStat(sftp, remotePath);
  if (existing?.isDirectory()) return;
  if (existing) throw new Error(`${remotePath} exists and is not a directory`);
  const parent = posix.dirname(remotePath);
  if (parent !== remotePath && parent !== '.') await sftpMkdirp(sftp, parent);
  try {
    await new Promise<void>((resolve, reject) =>
      sftp.mkdir(remotePath, (error) => (error ? reject(error) : resolve())),
    );
  } catch (error) {
    // Someone else may have created it meanwhile; only a directory that is still missing is a failure.
    if (!(await sftpStat(sftp, remotePath))?.isDirectory()) throw error;
  }
}

/** Removes a remote file; a missing file is not an error. */
export async function sftpRemove(sftp: SFTPWrapper, remotePath: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) =>
      sftp.unlink(remotePath, (error) => (error ? reject(error) : resolve())),
    );
  } catch (error) {
    if (!isNoSuchFile(error)) throw error;
  }
}
