// Running the `ims` CLI from benchmarks: as a timed command, or as an untimed setup step.
import { spawnSync } from 'node:child_process';
import { IMS_BIN, repoRoot } from './paths.mjs';

/** The runner's command for `ims <args>` with its state in `home`. */
export function imsCommand(home, args) {
  return { argv: [process.execPath, IMS_BIN, ...args], env: { ...process.env, IMS_HOME: home } };
}

/**
 * Runs `ims <args>` now (setup and reset steps) and returns its stdout; fails with its stderr
 * unless it exits 0 or with one of `okExitCodes`.
 */
export function runIms(home, args, { okExitCodes = [0], timeoutSeconds = 600 } = {}) {
  const result = spawnSync(process.execPath, [IMS_BIN, ...args], {
    cwd: repoRoot,
    env: { ...process.env, IMS_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutSeconds * 1000,
  });
  if (result.error !== undefined)
    throw new Error(`ims ${args.join(' ')} could not run: ${result.error.message}`);
  if (!okExitCodes.includes(result.status)) {
    throw new Error(
      `ims ${args.join(' ')} exited ${result.status}: ${String(result.stderr).trim().slice(0, 1000)}`,
    );
  }
  return String(result.stdout);
}
