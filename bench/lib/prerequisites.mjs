// Checks a benchmark makes before it starts: each fails with what is missing and how to get it,
// so `pnpm bench` never reports a ratio measured against something that did not run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './paths.mjs';

/** libvirtd's read-write socket. */
export const LIBVIRTD_SOCKET = '/run/libvirt/libvirt-sock';

/** A prerequisite that is not there; the runner prints its message as the benchmark's failure. */
export class MissingPrerequisite extends Error {}

/** Resolves when libvirtd accepts connections on its socket. */
export function requireLibvirtd() {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: LIBVIRTD_SOCKET });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) =>
      reject(
        new MissingPrerequisite(
          `libvirtd is not reachable on ${LIBVIRTD_SOCKET} (${error.code ?? error.message}): ` +
            'start it as .ci/run does (virtlogd -d; setsid tini -s -- libvirtd &)',
        ),
      ),
    );
  });
}

/** Fails unless `command` runs (exit 0 with `args`); `install` says how to get it. */
export function requireCommand(command, args, install) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error !== undefined || result.status !== 0) {
    const why = result.error?.code === 'ENOENT' ? 'not found' : String(result.stderr).trim().slice(0, 300);
    throw new MissingPrerequisite(`${command} is missing or broken (${why}): ${install}`);
  }
}

/** Fails unless /usr/bin/python3 can import every module named. */
export function requirePythonModules(modules, install) {
  const result = spawnSync('/usr/bin/python3', ['-c', modules.map((m) => `import ${m}`).join('; ')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error !== undefined || result.status !== 0) {
    const why = result.error?.code === 'ENOENT' ? '/usr/bin/python3 not found' : String(result.stderr).trim();
    throw new MissingPrerequisite(
      `Python modules ${modules.join(', ')} cannot be imported (${why}): ${install}`,
    );
  }
}

/** Fails unless QEMU's x86 system emulator is installed. */
export function requireQemu() {
  if (!existsSync('/usr/bin/qemu-system-x86_64')) {
    throw new MissingPrerequisite(
      '/usr/bin/qemu-system-x86_64 is missing: apt-get install -y --no-install-recommends qemu-system-x86',
    );
  }
}

/** Fails unless the CLI bundle and the libvirt provider are built (`pnpm bench` builds first). */
export function requireBuild() {
  for (const file of [
    'packages/core/dist/bundle/cli.cjs',
    'packages/provider-libvirt/dist/bundle/index.js',
  ]) {
    if (!existsSync(join(repoRoot, file))) {
      throw new MissingPrerequisite(
        `${file} is missing: run \`pnpm build\` (or use \`pnpm bench\`, which builds)`,
      );
    }
  }
}

/** virsh, libvirtd, QEMU and the build: what every real-daemon benchmark needs. */
export async function requireLibvirtStack() {
  requireBuild();
  requireCommand('virsh', ['--version'], 'apt-get install -y --no-install-recommends libvirt-clients');
  await requireLibvirtd();
}
