import { close, fstat, open, read } from 'node:fs';
import type { SFTPWrapper } from 'ssh2';

/** How an upload is cut up; see {@link DEFAULT_UPLOAD_TUNING}. */
export interface UploadTuning {
  /** Bytes per SFTP write request. */
  requestBytes: number;
  /** SFTP write requests in flight at once, shared out among the connections. */
  requestsInFlight: number;
  /** Bytes per local file read. */
  readBlockBytes: number;
  /** Blocks read ahead of the writes. */
  readAheadBlocks: number;
}

/**
 * The fastest measured on loopback against OpenSSH 9.2: about 1 MiB in flight in all (more made
 * the server slower, with one connection or two), local reads of 1 MiB well ahead of the writes.
 */
export const DEFAULT_UPLOAD_TUNING: UploadTuning = {
  requestBytes: 131_072,
  requestsInFlight: 8,
  readBlockBytes: 1_048_576,
  readAheadBlocks: 4,
};

/** One SFTP channel with the remote file open for writing. */
export interface UploadLane {
  /** The channel. */
  sftp: SFTPWrapper;
  /** The remote file's handle on that channel. */
  handle: Buffer;
}

/** An upload in progress; see {@link startUpload}. */
export interface UploadRun {
  /** Settles when every byte is acknowledged, or with the first failure of a read or of any lane. */
  done: Promise<void>;
  /** Adds a lane (another connection) that takes a share of the writes still to be sent. */
  addLane(lane: UploadLane): void;
  /** True once the upload succeeded or failed; a lane added then gets nothing to do. */
  settled(): boolean;
}

interface Block {
  /** The pooled buffer `data` lies in. */
  buffer: Buffer;
  data: Buffer;
  /** File offset of `data[0]`. */
  position: number;
  /** How much of `data` has been handed to SFTP writes. */
  sent: number;
  /** Writes from `data` not yet acknowledged. */
  pending: number;
}

interface ActiveLane extends UploadLane {
  inFlight: number;
}

/**
 * Starts sending bytes `[0, size)` of the open local file `fd` through `lane`, into the remote
 * file at the same offsets. Local reads run ahead of the writes; every lane keeps its share of
 * {@link UploadTuning.requestsInFlight} writes waiting for the server. `onWritten` gets the bytes
 * acknowledged so far, rising.
 */
export function startUpload(
  fd: number,
  size: number,
  lane: UploadLane,
  onWritten: (done: number) => void,
  tuning: UploadTuning = DEFAULT_UPLOAD_TUNING,
): UploadRun {
  const lanes: ActiveLane[] = [];
  const ready: Block[] = [];
  // Reused buffers: fresh ones would live long enough to reach V8's old generation, and the
  // collections to free them cost more main-thread time than the upload's own work.
  const pool: Buffer[] = [];
  let readPosition = 0;
  let reading = false;
  let written = 0;
  let finished = false;
  let succeed: () => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    succeed = () => {
      finished = true;
      resolve();
    };
    fail = (error) => {
      if (finished) return;
      finished = true;
      reject(error);
    };
  });

  const readAhead = () => {
    if (finished || reading || readPosition >= size || ready.length >= tuning.readAheadBlocks) return;
    reading = true;
    const position = readPosition;
    const buffer = pool.pop() ?? Buffer.allocUnsafe(tuning.readBlockBytes);
    const data = buffer.subarray(0, Math.min(tuning.readBlockBytes, size - position));
    read(fd, data, 0, data.length, position, (error, bytesRead) => {
      reading = false;
      if (finished) return;
      if (error) return fail(error);
      if (bytesRead === 0) {
        return fail(new Error(`the local file shrank to ${position} bytes during the upload`));
      }
      readPosition += bytesRead;
      ready.push({ buffer, data: data.subarray(0, bytesRead), position, sent: 0, pending: 0 });
      for (const each of lanes) send(each);
      readAhead();
    });
  };

  const send = (target: ActiveLane) => {
    const limit = Math.ceil(tuning.requestsInFlight / lanes.length);
    try {
      while (!finished && target.inFlight < limit && ready.length > 0) {
        const block = ready[0]!;
        const length = Math.min(tuning.requestBytes, block.data.length - block.sent);
        target.inFlight += 1;
        block.pending += 1;
        // A block is reused only once all its writes are acknowledged: ssh2 sends from it later
        // when it splits a write that is over the server's limit.
        target.sftp.write(
          target.handle,
          block.data,
          block.sent,
          length,
          block.position + block.sent,
          (error) => {
            target.inFlight -= 1;
            block.pending -= 1;
            if (block.pending === 0 && block.sent === block.data.length) pool.push(block.buffer);
            if (finished) return;
            if (error) return fail(error);
            written += length;
            onWritten(written);
            if (written === size) succeed();
            else send(target);
          },
        );
        block.sent += length;
        if (block.sent === block.data.length) ready.shift();
      }
    } catch (error) {
      fail(error);
    }
    readAhead();
  };

  const addLane = (added: UploadLane) => {
    if (finished) return;
    const entry: ActiveLane = { ...added, inFlight: 0 };
    lanes.push(entry);
    send(entry);
  };

  if (size === 0) succeed();
  else addLane(lane);
  return { done, addLane, settled: () => finished };
}

/** Opens a local file for reading. */
export function openLocal(path: string): Promise<number> {
  return new Promise((resolve, reject) =>
    open(path, 'r', (error, fd) => (error ? reject(error) : resolve(fd))),
  );
}

/** The size of an open local file. */
export function localSize(fd: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats.size))),
  );
}

/** Closes a local file, ignoring errors (it was only read). */
export function closeLocal(fd: number): Promise<void> {
  return new Promise((resolve) => close(fd, () => resolve()));
}

/** SFTP open flags (draft-ietf-secsh-filexfer-02): WRITE | CREAT, without TRUNC. */
const WRITE_OR_CREATE = 0x02 | 0x08;

/**
 * Opens a remote file for writing: `overwrite` creates it or writes over what is there (the upload
 * sets the final size when it is done, see {@link setRemoteSize}); `r+` writes into it as it is.
 * Not truncating first is what OpenSSH's own client does, and it matters: truncating a large
 * file makes ext4 flush the new data to disk when it is closed, a stall of a tenth of a second
 * and more per 256 MiB that writing over the old blocks does not have.
 */
export function openRemote(sftp: SFTPWrapper, path: string, mode: 'overwrite' | 'r+'): Promise<Buffer> {
  const flags = mode === 'overwrite' ? WRITE_OR_CREATE : 'r+';
  return new Promise((resolve, reject) =>
    sftp.open(path, flags, (error, handle) => (error ? reject(error) : resolve(handle))),
  );
}

/** Cuts or extends an open remote file to `size` bytes (after an upload over an older, longer file). */
export function setRemoteSize(sftp: SFTPWrapper, handle: Buffer, size: number): Promise<void> {
  return new Promise((resolve, reject) =>
    sftp.fsetstat(handle, { size }, (error) => (error ? reject(error) : resolve())),
  );
}

/** Closes a remote handle; on a channel that is already gone there is nothing to close. */
export function closeRemote(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  // ssh2 would queue the request on a closed channel and never call back.
  if ((sftp as unknown as { outgoing?: { state?: string } }).outgoing?.state !== 'open') {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => sftp.close(handle, (error) => (error ? reject(error) : resolve())));
}
