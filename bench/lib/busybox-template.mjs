// The busybox template from ims-template-build, and variants of it whose system disk has a given
// size. Builds are cached under the OS temp directory in a folder named after a hash of the
// builder's files, with the same key rule as packages/provider-libvirt/test/busybox-template.ts,
// so benchmarks and tests reuse each other's build.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot } from './paths.mjs';
import { MissingPrerequisite } from './prerequisites.mjs';

const TEMPLATES_PACKAGE = join(repoRoot, 'packages', 'ovm-templates');
const BUILDER = join(TEMPLATES_PACKAGE, 'bin', 'ims-template-build');
const BUILD_INPUTS = ['bin', 'builder', 'guest'];

/** The name the busybox template is built under. */
export const BUSYBOX_TEMPLATE = 'ims-busybox';

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

function builderHash() {
  const hash = createHash('sha256');
  for (const input of BUILD_INPUTS) {
    for (const file of filesUnder(join(TEMPLATES_PACKAGE, input))) {
      hash.update(relative(TEMPLATES_PACKAGE, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** The built busybox template `{ directory, archive, hash }`, built now if this builder version has not been. */
export function busyboxTemplate() {
  const cacheRoot = join(tmpdir(), 'ims-libvirt-test-templates');
  const hash = builderHash();
  const cached = join(cacheRoot, hash);
  const directory = join(cached, BUSYBOX_TEMPLATE);
  const archive = join(cached, `${BUSYBOX_TEMPLATE}.tgz`);
  if (!existsSync(join(directory, 'template.json')) || !existsSync(archive)) {
    mkdirSync(cacheRoot, { recursive: true });
    const staging = join(cacheRoot, `staging-${process.pid}-${Date.now()}`);
    try {
      const result = spawnSync(
        BUILDER,
        ['--base', 'busybox', '--name', BUSYBOX_TEMPLATE, '--out', join(staging, 'out')],
        { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 },
      );
      if (result.status !== 0) {
        throw new MissingPrerequisite(
          `ims-template-build failed (exit ${result.status ?? result.error?.message}); it needs e2fsprogs, cpio, ` +
            'kmod and busybox-static (apt-get install -y --no-install-recommends e2fsprogs cpio kmod ' +
            `busybox-static) and apt package lists:\n${String(result.stderr).slice(-2000)}`,
        );
      }
      // Renamed into place whole, so a concurrent test or benchmark never sees half a build.
      try {
        renameSync(join(staging, 'out'), cached);
      } catch (error) {
        if (!existsSync(join(directory, 'template.json'))) throw error;
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return { directory, archive, hash };
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  if (result.error?.code === 'ENOENT') {
    throw new MissingPrerequisite(
      `${command} is missing: apt-get install -y --no-install-recommends e2fsprogs`,
    );
  }
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${String(result.stderr).trim().slice(0, 500)}`);
  }
}

function sha256Of(file) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * A copy of the busybox template named `name` whose system disk (an ext4 image) is exactly
 * `systemBytes` long (sparse when grown), without the application disk, with template.json's
 * sizes and SHA-256 sums rewritten. Cached beside the base build.
 */
export async function sizedBusyboxTemplate(name, systemBytes) {
  const base = busyboxTemplate();
  const directory = join(tmpdir(), 'ims-bench-templates', base.hash, name);
  if (existsSync(join(directory, 'template.json'))) return directory;
  const staging = `${directory}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const metadata = JSON.parse(readFileSync(join(base.directory, 'template.json'), 'utf8'));
    const system = join(staging, 'System.img');
    await copyFile(join(base.directory, 'System.img'), system);
    // Without its journal the busybox root file system fits in 16 MiB.
    run('tune2fs', ['-O', '^has_journal', system]);
    run('e2fsck', ['-fy', system]);
    // Grown: the file first, then the file system; shrunk: the other way round.
    if (systemBytes > statSync(system).size) run('truncate', ['-s', String(systemBytes), system]);
    run('resize2fs', [system, `${Math.floor(systemBytes / 1024)}K`]);
    run('truncate', ['-s', String(systemBytes), system]);
    run('e2fsck', ['-fn', system]);
    const disks = [];
    for (const disk of metadata.disks) {
      if (disk.role === 'application') continue;
      if (disk.role !== 'system') await copyFile(join(base.directory, disk.file), join(staging, disk.file));
      const file = join(staging, disk.file);
      const sizeBytes = disk.role === 'system' ? systemBytes : disk.sizeBytes;
      disks.push({ ...disk, sizeBytes, sha256: await sha256Of(file) });
    }
    for (const file of [metadata.kernel, metadata.initrd]) {
      if (file !== undefined) await copyFile(join(base.directory, file), join(staging, file));
    }
    await writeFile(
      join(staging, 'template.json'),
      `${JSON.stringify({ ...metadata, name, disks }, null, 2)}\n`,
    );
    renameSync(staging, directory);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (existsSync(join(directory, 'template.json'))) return directory;
    throw error;
  }
  return directory;
}
