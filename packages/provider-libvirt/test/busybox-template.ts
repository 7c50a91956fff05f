/**
 * The busybox template from ims-template-build, built once and kept under the OS temp directory
 * in a folder named after a hash of the builder's own files: a changed builder gets a new build,
 * an unchanged one is reused across test runs and test files.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { TemplateMetadata } from '@ims/spi';

/** The ovm-templates package, whose builder makes the template. */
const TEMPLATES_PACKAGE = resolve(import.meta.dirname, '../../ovm-templates');
const BUILDER = join(TEMPLATES_PACKAGE, 'bin', 'ims-template-build');
/** Everything the build depends on, hashed to key the cache. */
const BUILD_INPUTS = ['bin', 'builder', 'guest'];

/** The name the template is built under. */
export const TEMPLATE_NAME = 'ims-busybox';

/** A built template. */
export interface BuiltTemplate {
  /** The template directory. */
  directory: string;
  /** The `.tgz` archive of the same files. */
  archive: string;
  /** Its parsed template.json. */
  metadata: TemplateMetadata;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? filesUnder(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]),
    ),
  );
  return nested.flat().sort();
}

async function builderHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const input of BUILD_INPUTS) {
    for (const file of await filesUnder(join(TEMPLATES_PACKAGE, input))) {
      hash
        .update(relative(TEMPLATES_PACKAGE, file))
        .update('\0')
        .update(await readFile(file))
        .update('\0');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function runBuilder(out: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(BUILDER, ['--base', 'busybox', '--name', TEMPLATE_NAME, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) =>
      reject(new Error(`${BUILDER} could not run: ${error.message} (is bash installed?)`, { cause: error })),
    );
    child.on('close', (code) =>
      code === 0
        ? resolvePromise()
        : reject(
            new Error(
              `ims-template-build exited with ${code}. It needs e2fsprogs, cpio, kmod and busybox-static ` +
                `(apt-get install -y --no-install-recommends e2fsprogs cpio kmod busybox-static) and apt package lists:\n${output}`,
            ),
          ),
    );
  });
}

/** The busybox template, built now if this version of the builder has not built it before. */
export async function busyboxTemplate(): Promise<BuiltTemplate> {
  const cacheRoot = join(tmpdir(), 'ims-libvirt-test-templates');
  const cached = join(cacheRoot, await builderHash());
  const directory = join(cached, TEMPLATE_NAME);
  const archive = join(cached, `${TEMPLATE_NAME}.tgz`);
  if (!existsSync(join(directory, 'template.json')) || !existsSync(archive)) {
    await mkdir(cacheRoot, { recursive: true });
    // Build beside the cache entry and rename it into place, so parallel test files never see half a build.
    const staging = join(cacheRoot, `staging-${process.pid}-${Date.now()}`);
    try {
      await runBuilder(join(staging, 'out'));
      await rename(join(staging, 'out'), cached).catch(async (error: NodeJS.ErrnoException) => {
        if (!existsSync(join(cached, TEMPLATE_NAME, 'template.json'))) throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  const metadata = JSON.parse(await readFile(join(directory, 'template.json'), 'utf8')) as TemplateMetadata;
  return { directory, archive, metadata };
}
