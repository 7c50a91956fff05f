// virsh as a setup/teardown tool (the timed virsh runs are plain commands of the runner).
import { spawnSync } from 'node:child_process';

/** Runs `virsh -c <uri> <args>`; returns stdout, fails with stderr unless `allowFailure`. */
export function virsh(uri, args, { allowFailure = false } = {}) {
  const result = spawnSync('virsh', ['-q', '-c', uri, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (!allowFailure && (result.error !== undefined || result.status !== 0)) {
    const why = result.error?.message ?? String(result.stderr).trim();
    throw new Error(`virsh -c ${uri} ${args.join(' ')} failed: ${why}`);
  }
  return String(result.stdout);
}
