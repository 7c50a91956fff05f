import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BootImageBuilder, BootParams } from '@ims/spi';
import { PACKAGE_DIR } from './builder.js';

/** The compiled core boot-image builder, the one IMS uses to make every VM's `cidata` image. */
const CORE_BUILDER_JS = join(PACKAGE_DIR, '..', 'core', 'dist', 'services', 'boot-image', 'builder.js');

interface CoreBootImageModule {
  createBootImageBuilder(): BootImageBuilder;
}

/** Loads core's createBootImageBuilder from its compiled form; fails saying how to produce it. */
export async function loadCoreBootImageBuilder(): Promise<BootImageBuilder> {
  if (!existsSync(CORE_BUILDER_JS)) {
    throw new Error(
      `${CORE_BUILDER_JS} is missing: run pnpm build (the boot test uses core's boot-image builder)`,
    );
  }
  const module = (await import(pathToFileURL(CORE_BUILDER_JS).href)) as Partial<CoreBootImageModule>;
  if (typeof module.createBootImageBuilder !== 'function') {
    throw new Error(`${CORE_BUILDER_JS} exports no createBootImageBuilder: run pnpm build`);
  }
  return module.createBootImageBuilder();
}

/** Writes the boot-parameter image IMS would attach to a VM with these parameters; returns its path. */
export async function writeBootImage(dir: string, params: BootParams): Promise<string> {
  const builder = await loadCoreBootImageBuilder();
  const path = join(dir, 'bootparams.iso');
  await writeFile(path, await builder.build(params));
  return path;
}
