/** Test helpers for the tests that need a running libvirt daemon (CI starts it; tests never do). */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';

/** libvirtd's socket. */
export const LIBVIRTD_SOCKET = '/run/libvirt/libvirt-sock';

/** The message a test fails with when the daemon is missing. */
export const LIBVIRTD_MISSING =
  'libvirtd is not running: start it as .ci/run does (virtlogd -d; tini -s -- libvirtd)';

/** Resolves when libvirtd's socket accepts a connection; otherwise fails with {@link LIBVIRTD_MISSING}. */
export function requireLibvirtd(socketPath = LIBVIRTD_SOCKET): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => reject(new Error(LIBVIRTD_MISSING, { cause: error })));
  });
}

/** Runs `virsh` (to cross-check the client); fails with an install hint when it is missing. */
export async function virsh(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('virsh', [...args], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('virsh is missing: apt-get install -y --no-install-recommends libvirt-clients', {
        cause: error,
      });
    }
    throw error;
  }
}

/** A name unique to this test run, for objects created on the shared daemon. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}
