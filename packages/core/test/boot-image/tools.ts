import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type ImsError, isImsError } from '@ims/spi';

/** The external programs the boot-image tests read images and run shells with, and their Debian packages. */
export const TOOL_PACKAGES = {
  xorriso: 'xorriso',
  isoinfo: 'genisoimage',
  dash: 'dash',
  bash: 'bash',
  busybox: 'busybox',
  python3: 'python3',
} as const;

/** Fails (never skips) when `tool` is not on PATH, saying which apt package provides it. */
export async function requireTool(tool: keyof typeof TOOL_PACKAGES): Promise<string> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, tool);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(
    `${tool} is not installed but this test needs it: apt-get install -y ${TOOL_PACKAGES[tool]}`,
  );
}

/** Output of a finished child process. */
export interface ToolResult {
  stdout: Buffer;
  stderr: string;
}

/** Runs `file args` without a shell, feeding `input` on stdin; rejects with its stderr when it exits non-zero. */
export function runTool(
  file: string,
  args: readonly string[],
  input?: string | Uint8Array,
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
        env: { PATH: process.env.PATH ?? '', LC_ALL: 'C.UTF-8' },
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr.toString('utf8')}`));
          return;
        }
        resolve({ stdout, stderr: stderr.toString('utf8') });
      },
    );
    // A child that exits without reading stdin closes the pipe; its exit status decides, not EPIPE.
    child.stdin?.on('error', () => undefined);
    if (input === undefined) child.stdin?.end();
    else child.stdin?.end(input);
  });
}

/** A fresh directory under the OS temp dir, and a function that removes it. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `ims-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The ImsError `action` throws; fails the test when it throws something else or nothing. */
export function thrownImsError(action: () => unknown): ImsError {
  try {
    action();
  } catch (error) {
    if (isImsError(error)) return error;
    throw new Error(`expected an ImsError, got ${String(error)}`);
  }
  throw new Error('expected an ImsError, but nothing was thrown');
}

/** The ImsError `promise` rejects with; fails the test otherwise. */
export async function rejectedImsError(promise: Promise<unknown>): Promise<ImsError> {
  const outcome = await promise.then(
    () => new Error('expected a rejection, but the promise resolved'),
    (error: unknown) => error,
  );
  if (isImsError(outcome)) return outcome;
  throw outcome instanceof Error ? outcome : new Error(`expected an ImsError, got ${String(outcome)}`);
}
