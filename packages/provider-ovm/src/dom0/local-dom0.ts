/** dom0 as this machine: plain file system calls and the host's local command runner. */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImsError, isImsError, type ProviderContext, type RunOptions } from '@ims/spi';
import { assertSafeDom0Path, type Dom0 } from './dom0.js';

/** dom0 reached directly. */
export function localDom0(context: ProviderContext): Dom0 {
  const io = async <T>(what: string, path: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      if (isImsError(error)) throw error;
      if ((error as Error).name === 'AbortError' || context.signal.aborted) {
        throw new ImsError('IMS_ABORTED', `Cancelled while trying to ${what} ${path}.`, { cause: error });
      }
      throw new ImsError('IMS_IO_FAILED', `Cannot ${what} ${path}: ${(error as Error).message}`, {
        cause: error,
        hint: 'Check the permissions and free space of the OVS repository.',
        details: { path, errno: (error as NodeJS.ErrnoException).code },
      });
    }
  };
  return {
    where: async () => 'local',
    run: (argv, options: RunOptions = {}) =>
      context.localRunner.run(argv, { signal: context.signal, ...options }),
    upload: (localPath, remotePath, onProgress) =>
      io('copy the template archive to', remotePath, async () => {
        const total = (await stat(localPath)).size;
        let done = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            done += chunk.length;
            onProgress?.(done, total);
            callback(null, chunk);
          },
        });
        await pipeline(createReadStream(localPath), counter, createWriteStream(remotePath, { mode: 0o644 }), {
          signal: context.signal,
        });
      }),
    replaceFile: (path, data) =>
      io('write', path, async () => {
        assertSafeDom0Path(path);
        const temp = join(dirname(path), `.${basename(path)}.ims-${randomBytes(4).toString('hex')}`);
        try {
          await writeFile(temp, data, { mode: 0o644 });
          await rename(temp, path);
        } catch (error) {
          await rm(temp, { force: true });
          throw error;
        }
      }),
    readFile: (path) => io('read', path, () => readFile(path)),
    exists: (path) =>
      access(path).then(
        () => true,
        () => false,
      ),
    mkdir: (path) =>
      io('create', path, async () => {
        await mkdir(path, { recursive: true, mode: 0o755 });
      }),
    removeTree: (path) =>
      io('remove', path, async () => {
        assertSafeDom0Path(path);
        await rm(path, { recursive: true, force: true });
      }),
    rename: (from, to) =>
      io('rename', from, async () => {
        assertSafeDom0Path(from);
        assertSafeDom0Path(to);
        if (
          await access(to).then(
            () => true,
            () => false,
          )
        ) {
          throw new ImsError('IMS_ALREADY_EXISTS', `Cannot move ${from} to ${to}: it exists already.`, {
            details: { path: to },
          });
        }
        await rename(from, to);
      }),
    sha256: (path) => io('checksum', path, () => sha256OfFile(path)),
    close: async () => {},
  };
}

/** The SHA-256 of a local file, lower-case hex. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
