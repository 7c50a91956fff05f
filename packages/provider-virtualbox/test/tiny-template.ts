/**
 * A tiny ovm-templates-shaped template (template.json, small raw System.img and Application.img)
 * for tests that need VMs but not a real guest: the simulated guest reads only the boot ISO.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TemplateMetadata } from '@ims/spi';

/** Writes the template into `parent/<name>` and returns its directory and metadata. */
export async function tinyTemplate(
  parent: string,
  name = 'tiny',
): Promise<{ directory: string; metadata: TemplateMetadata }> {
  const directory = join(parent, name);
  await mkdir(directory, { recursive: true });
  const system = Buffer.alloc(1024 * 1024, 0);
  system.write('ims-system', 0);
  const app = Buffer.alloc(256 * 1024, 0);
  await writeFile(join(directory, 'System.img'), system);
  await writeFile(join(directory, 'Application.img'), app);
  const metadata: TemplateMetadata = {
    name,
    os: 'tiny test template',
    disks: [
      { file: 'System.img', role: 'system', format: 'raw', sizeBytes: system.length },
      { file: 'Application.img', role: 'application', format: 'raw', sizeBytes: app.length },
    ],
  };
  await writeFile(join(directory, 'template.json'), JSON.stringify(metadata));
  return { directory, metadata };
}
