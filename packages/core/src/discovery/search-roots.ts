import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SearchRoot } from './candidates.js';

/** The directory of the installed `@ims/core` package (two levels above this compiled file). */
export const CORE_PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `node_modules` directories Node would search from the host package, nearest first. */
export function hostNodeModules(from: string = CORE_PACKAGE_DIR): string[] {
  const dirs: string[] = [];
  for (let dir = from; ; dir = dirname(dir)) {
    if (!dir.endsWith(`${'/'}node_modules`)) {
      const candidate = join(dir, 'node_modules');
      if (existsSync(candidate)) dirs.push(candidate);
    } else {
      // core itself is installed inside a node_modules: its siblings are packages too
      dirs.push(dir);
    }
    if (dirname(dir) === dir) return dirs;
  }
}

/**
 * Where discovery looks, in precedence order: `IMS_PLUGIN_PATH` directories, then
 * `IMS_HOME/plugins/node_modules` (`ims plugin install`), then the host's own node_modules.
 */
export function defaultSearchRoots(imsHome: string, env: NodeJS.ProcessEnv = process.env): SearchRoot[] {
  const extra = (env.IMS_PLUGIN_PATH ?? '')
    .split(delimiter)
    .filter((p) => p.length > 0)
    .map((dir) => ({ dir: resolve(dir), source: 'plugin-path' as const }));
  return [
    ...extra,
    { dir: join(imsHome, 'plugins', 'node_modules'), source: 'ims-home' },
    ...hostNodeModules().map((dir) => ({ dir, source: 'host' as const })),
  ];
}
