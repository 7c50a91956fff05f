/**
 * Runs the built `ims` CLI the way users do; the libvirt provider is found in the host's
 * node_modules, so it must be built too, and built from the current sources.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** The CLI entry. */
export const IMS_BIN = resolve(import.meta.dirname, '../../core/bin/ims.js');
const CORE_BUNDLE = resolve(import.meta.dirname, '../../core/dist/bundle/main.js');
const PROVIDER_SRC = resolve(import.meta.dirname, '../src');
const PROVIDER_DIST = resolve(import.meta.dirname, '../dist');

/** The outcome of one run. */
export interface ImsRun {
  /** Exit code. */
  code: number | null;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Fails saying to run `pnpm build` when the CLI or this provider's compiled code is missing or stale. */
export function assertBuilt(): void {
  if (!existsSync(CORE_BUNDLE)) {
    throw new Error('packages/core is not built: run `pnpm build` first (the test runs the built ims CLI).');
  }
  // `tsc -b` touches its build info even when a changed source compiles to the same output.
  const buildInfo = join(PROVIDER_DIST, '.tsbuildinfo');
  const builtAt = existsSync(buildInfo) ? statSync(buildInfo).mtimeMs : 0;
  const stale = sourcesUnder(PROVIDER_SRC).filter((source) => {
    const compiled = join(PROVIDER_DIST, relative(PROVIDER_SRC, source)).replace(/\.ts$/, '.js');
    if (!existsSync(compiled)) return true;
    return Math.max(builtAt, statSync(compiled).mtimeMs) < statSync(source).mtimeMs;
  });
  if (stale.length > 0) {
    throw new Error(
      `packages/provider-libvirt/dist is missing or older than ${relative(PROVIDER_SRC, stale[0] ?? '')}` +
        ` (and ${stale.length - 1} more): run \`pnpm build\` first; the CLI loads the compiled provider.`,
    );
  }
}

/** Runs `ims` with `args` and the given IMS_HOME. */
export function runIms(args: readonly string[], home: string): Promise<ImsRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [IMS_BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, IMS_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Runs `ims` and fails with its output unless it exits with 0. */
export async function ims(args: readonly string[], home: string): Promise<ImsRun> {
  const result = await runIms(args, home);
  if (result.code !== 0) {
    throw new Error(
      `ims ${args.join(' ')} exited with ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return result;
}
