import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The @ims/ovm-templates package directory. */
export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** The template builder under test. */
export const BUILDER = join(PACKAGE_DIR, 'bin', 'ims-template-build');

/** What a finished process left behind. */
export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  /** Everything written to standard output. */
  stdout: string;
  /** Everything written to standard error. */
  stderr: string;
}

/** Runs a command to its end, collecting its output; never rejects on a non-zero exit. */
export function run(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** Runs ims-template-build with the given arguments. */
export function runBuilder(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return run(BUILDER, args, env);
}

/** Runs ims-template-build and fails with its output unless it exits with 0. */
export async function buildTemplate(args: readonly string[]): Promise<RunResult> {
  const result = await runBuilder(args);
  if (result.code !== 0) {
    throw new Error(`ims-template-build ${args.join(' ')} exited with ${result.code}:\n${result.stderr}`);
  }
  return result;
}

/** Throws, naming the Debian package to install, when a command is not on the PATH. */
export function requireTool(command: string, debianPackage: string): void {
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' });
  if (found.status !== 0) {
    throw new Error(`${command} is missing: install it with apt-get install -y ${debianPackage}`);
  }
}

/** A fresh directory under the OS temp dir; remove it with {@link removeTempDir}. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `${prefix}-`));
}

/** Removes a directory made by {@link makeTempDir}. */
export function removeTempDir(dir: string | undefined): Promise<void> {
  return dir === undefined ? Promise.resolve() : rm(dir, { recursive: true, force: true });
}

/** SHA-256 of a file, hex. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
