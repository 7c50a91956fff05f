import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The IMS home directory: `$IMS_HOME` if set, else `~/.ims`. */
export function resolveImsHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || homedir();
  const fromEnv = env.IMS_HOME?.trim();
  if (!fromEnv) return join(home, '.ims');
  if (fromEnv === '~') return home;
  return resolve(fromEnv.startsWith('~/') ? join(home, fromEnv.slice(2)) : fromEnv);
}
