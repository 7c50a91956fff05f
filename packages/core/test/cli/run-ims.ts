import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built CLI; tests run what users run. */
export const IMS_BIN = resolve(import.meta.dirname, '../../bin/ims.js');
/** Fixture plugin directories. */
export const FIXTURE_PLUGINS = resolve(import.meta.dirname, '../fixtures/plugins');
export const DISCOVERY_FIXTURES = resolve(import.meta.dirname, '../fixtures/discovery');

/** The outcome of one `ims` run. */
export interface ImsRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI bundle bin/ims.js runs. */
export const CLI_BUNDLE = resolve(import.meta.dirname, '../../dist/bundle/cli.cjs');

/** Fails loudly when the CLI has not been built, instead of every test failing obscurely. */
export function assertBuilt(): void {
  if (!existsSync(CLI_BUNDLE) || !existsSync(resolve(import.meta.dirname, '../../dist/launcher.js'))) {
    throw new Error('packages/core is not built: run `pnpm build` (or `pnpm test`, which builds first).');
  }
}

/** A fresh IMS_HOME in a temp directory. */
export function tempHome(): string {
  return join(mkdtempSync(join(tmpdir(), 'ims-cli-')), 'home');
}

/** Runs `ims` with the words, in the given IMS_HOME, with extra environment. */
export function runIms(
  words: readonly string[],
  env: Record<string, string | undefined>,
  input?: string,
  timeoutMs?: number,
): Promise<ImsRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [IMS_BIN, ...words], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // A run that must not hang is killed (this child only, by its pid) so a hang fails the test.
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\n[killed by the test after ${timeoutMs} ms]`;
            child.kill('SIGKILL');
          }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** Runs `ims` like {@link runIms} and fails with its output unless it exits with 0. */
export async function runImsOk(
  words: readonly string[],
  env: Record<string, string | undefined>,
): Promise<ImsRun> {
  const result = await runIms(words, env);
  if (result.code !== 0) {
    throw new Error(
      `ims ${words.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return result;
}
