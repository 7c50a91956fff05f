/**
 * Files on the libvirt host that are not storage volumes: the console log directory and logs.
 * Reached directly for a local daemon and through the SSH session for `qemu+ssh://`; the test
 * driver has no files at all.
 */
import { mkdir, rm } from 'node:fs/promises';
import type { Logger } from '@ims/spi';
import type { LibvirtConnection } from './connection.js';

/** Best-effort file operations on the libvirt host: failures are logged, never thrown. */
export interface HostFiles {
  /** Makes a directory and its parents (mode 0755). */
  ensureDirectory(path: string): Promise<void>;
  /** Removes a file; a missing one is fine. */
  removeFile(path: string): Promise<void>;
}

/** The host files of the daemon a connection reaches. */
export function hostFilesOf(connection: LibvirtConnection, logger: Logger): HostFiles {
  const { driver, transport } = connection.uri;
  const quietly = async (what: string, path: string, action: () => Promise<void>) => {
    try {
      await action();
    } catch (error) {
      logger.warn(`could not ${what} ${path} on the libvirt host`, {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  if (driver === 'test') return { ensureDirectory: async () => {}, removeFile: async () => {} };
  if (transport === 'unix') {
    return {
      ensureDirectory: (path) =>
        quietly('create', path, async () => {
          await mkdir(path, { recursive: true, mode: 0o755 });
        }),
      removeFile: (path) => quietly('remove', path, () => rm(path, { force: true })),
    };
  }
  const session = async () => {
    const ssh = await connection.sshSession();
    if (ssh === undefined) throw new Error('no SSH session');
    return ssh;
  };
  return {
    ensureDirectory: (path) => quietly('create', path, async () => (await session()).mkdir(path)),
    removeFile: (path) => quietly('remove', path, async () => (await session()).remove(path)),
  };
}
