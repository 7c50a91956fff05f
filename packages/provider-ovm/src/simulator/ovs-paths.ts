/** The dom0 `/OVS` layout under the simulator's root. */
import { join } from 'node:path';

/** The directories of an `/OVS` root. */
export function ovsPaths(ovsRoot: string): {
  seedPool: string;
  runningPool: string;
  isoPool: string;
  sharedDisk: string;
  simDir: string;
  stateFile: string;
  binDir: string;
} {
  // confirmed: reference "dom0 file system (confirmed paths)"
  const simDir = join(ovsRoot, '.ovm-manager-sim');
  return {
    seedPool: join(ovsRoot, 'seed_pool'),
    runningPool: join(ovsRoot, 'running_pool'),
    isoPool: join(ovsRoot, 'iso_pool'),
    sharedDisk: join(ovsRoot, 'sharedDisk'),
    simDir,
    stateFile: join(simDir, 'state.json'),
    binDir: join(simDir, 'bin'),
  };
}

/** True for a name usable as one directory entry (no separators, not `.`/`..`, no NUL, not empty). */
export function isPlainDirName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && name.length <= 200;
}

/**
 * A path written in a vm.cfg, resolved under the simulator's root: vm.cfg files written for a real
 * dom0 say `/OVS/...`, which here lives under `ovsRoot`.
 */
export function resolveOvsPath(ovsRoot: string, path: string): string {
  // modelled: a convenience of the simulator (a real dom0's root is /OVS itself)
  if (ovsRoot !== '/OVS' && (path === '/OVS' || path.startsWith('/OVS/')))
    return join(ovsRoot, path.slice(4));
  return path;
}
