import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from '../args.js';
import type { SimContext } from '../context.js';
import { writeDiskFromFile } from '../disk-image.js';
import { PlainError, UsageError } from '../errors.js';

/** `convertfromraw RAW OUT [--format VDI|VMDK|VHD]` — copies the bytes behind a simulator disk header. */
export async function convertfromraw(ctx: SimContext, argv: string[]): Promise<void> {
  const { positional, options } = parseArgs(
    argv,
    {
      '--format': { value: true },
      '--variant': { value: true },
      '--uuid': { value: true },
      '--stdin': { value: false },
    },
    'convertfromraw',
  );
  if (positional.length !== 2) throw new UsageError('Incorrect number of parameters', 'convertfromraw');
  const format = options.findLast((o) => o.name === '--format')?.value ?? 'VDI';
  if (!['VDI', 'VMDK', 'VHD'].includes(format.toUpperCase())) {
    throw new UsageError(`Invalid format '${format}'`, 'convertfromraw');
  }
  const source = resolve(ctx.settings.cwd, positional[0]!);
  const target = resolve(ctx.settings.cwd, positional[1]!);
  // modelled: convertfromraw's messages (VBoxManageDisk.cpp) and its IPRT status names
  if (!existsSync(source)) throw new PlainError(`Cannot open file "${positional[0]}": VERR_FILE_NOT_FOUND`);
  if (existsSync(target))
    throw new PlainError(`Cannot create the disk image "${positional[1]}": VERR_ALREADY_EXISTS`);
  ctx.out.stdout(`Converting from raw image file="${positional[0]}" to file="${positional[1]}"...\n`);
  const header = await writeDiskFromFile(source, target);
  const mb = Math.ceil(header.size / (1024 * 1024));
  ctx.out.stdout(`Creating dynamic image with size ${header.size} bytes (${mb}MB)...\n`);
  // modelled: the brief asks for the progress bar here too
  ctx.out.progress();
}
