import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImsError } from '@ims/spi';

/** Options of {@link writeVBoxManageWrapper}. */
export interface WrapperOptions {
  /** Directory the `VBoxManage` script is written to. */
  dir: string;
  /** The simulator's state directory (`VBOXSIM_HOME`). */
  home: string;
  /** `VBOXSIM_VERSION` to bake in. */
  version?: string;
  /** Further `VBOXSIM_*` (or other) variables to bake in. */
  env?: Record<string, string>;
}

/** POSIX single-quoting: safe for any value, including quotes, `$(...)` and newlines. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The compiled CLI in the package's dist, whether this module runs from src (tests) or from dist. */
export function simulatorCliPath(): string {
  const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return join(packageRoot, 'dist', 'simulator', 'cli.js');
}

/**
 * Writes an executable `<dir>/VBoxManage` that runs the simulator with the given settings baked in,
 * so it works where the caller's environment does not reach (a command run over SSH). Returns its path.
 */
export async function writeVBoxManageWrapper(options: WrapperOptions): Promise<string> {
  const cli = simulatorCliPath();
  if (!existsSync(cli)) {
    throw new ImsError('IMS_IO_FAILED', `the compiled VBoxManage simulator is missing: ${cli}`, {
      hint: 'build it: npx tsc -p packages/provider-virtualbox/tsconfig.json',
    });
  }
  const env: Record<string, string> = { VBOXSIM_HOME: resolve(options.home), ...(options.env ?? {}) };
  if (options.version !== undefined) env.VBOXSIM_VERSION = options.version;
  const lines = ['#!/bin/sh', '# VBoxManage simulator wrapper (generated)'];
  for (const [key, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new ImsError(
        'IMS_INVALID_ARGUMENT',
        `not a valid environment variable name: ${JSON.stringify(key)}`,
        {
          hint: 'use letters, digits and underscores, not starting with a digit',
        },
      );
    }
    lines.push(`${key}=${shellQuote(value)}`, `export ${key}`);
  }
  lines.push(`exec ${shellQuote(process.execPath)} ${shellQuote(cli)} "$@"`, '');
  await mkdir(options.dir, { recursive: true });
  const path = join(options.dir, 'VBoxManage');
  await writeFile(path, lines.join('\n'), { mode: 0o755 });
  await chmod(path, 0o755);
  return path;
}
