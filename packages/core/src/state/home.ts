import { type Stats, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ImsError } from '@ims/spi';

/** The IMS home directory: `$IMS_HOME` if set, else `~/.ims`. */
export function resolveImsHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || homedir();
  const fromEnv = env.IMS_HOME?.trim();
  if (!fromEnv) return join(home, '.ims');
  if (fromEnv === '~') return home;
  return resolve(fromEnv.startsWith('~/') ? join(home, fromEnv.slice(2)) : fromEnv);
}

/**
 * Refuses an IMS home that someone other than the current user can change: whoever can write
 * there can swap `state.json`, read nothing but replace `secrets.json`, or plant a provider plugin
 * that runs as this user. Checks the directory itself (a missing one is fine: it is created 0700);
 * throws `IMS_IO_FAILED` saying how to fix it.
 */
export function assertSafeHome(home: string): void {
  let stats: Stats;
  try {
    stats = statSync(home);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  // Not a directory: using it fails anyway, with the file system's own error.
  if (!stats.isDirectory()) return;
  const uid = process.getuid?.();
  const mode = stats.mode & 0o777;
  const problems: string[] = [];
  if (uid !== undefined && stats.uid !== uid)
    problems.push(`it belongs to uid ${stats.uid}, not to you (uid ${uid})`);
  if ((mode & 0o022) !== 0)
    problems.push(`its mode ${mode.toString(8)} lets ${mode & 0o002 ? 'every user' : 'its group'} change it`);
  if (problems.length === 0) return;
  const fixes = [
    ...(uid !== undefined && stats.uid !== uid ? [`chown ${uid} ${home}`] : []),
    ...((mode & 0o022) !== 0 ? [`chmod 700 ${home}`] : []),
  ];
  throw new ImsError('IMS_IO_FAILED', `Refusing to use the IMS home ${home}: ${problems.join('; ')}.`, {
    hint: `Others could replace its state, secrets or plugins. Run: ${fixes.join(' && ')} (or point IMS_HOME at a private directory).`,
    details: { path: home, mode: mode.toString(8), uid: stats.uid },
  });
}
