import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import * as spi from '@ims/spi';

/**
 * Starts the `ims` CLI. The CLI is one bundled script (`dist/bundle/cli.cjs`, built by
 * `scripts/bundle-cli.mjs`) run with a V8 code cache kept per user and per command: compiling the
 * bundle is a large share of a short command's time, and Node 20 has no compile cache of its own.
 * The cache is an optimisation only; anything wrong with it (missing, stale, rejected by V8,
 * unwritable directory) means the bundle is compiled from source, as without a cache.
 */

/** The bundled CLI. */
export const CLI_BUNDLE = fileURLToPath(new URL('./bundle/cli.cjs', import.meta.url));

/** What the bundle's `module.exports` holds. */
interface CliExports {
  main(words: readonly string[]): Promise<number>;
}

type BundleFunction = (
  exports: object,
  require: (id: string) => unknown,
  module: { exports: object },
  filename: string,
  dirname: string,
  moduleUrl: string,
  importModule: (specifier: string) => Promise<unknown>,
) => void;

// The wrapper starts on the bundle's first line, so stack traces keep the bundle's line numbers.
const WRAPPER_HEAD =
  '(function (exports, require, module, __filename, __dirname, __imsModuleUrl, __imsImport) {';

/**
 * Where code caches live: `IMS_CACHE_DIR`, else `$XDG_CACHE_HOME/ims`, else `~/.cache/ims`; `off`
 * disables the cache. Per user on purpose: V8 trusts a code cache it accepts, so a cache must never
 * be one another user could write.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.IMS_CACHE_DIR === 'off') return undefined;
  if (env.IMS_CACHE_DIR) return join(env.IMS_CACHE_DIR, 'code');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ims', 'code');
}

/**
 * The cache's name for a command: up to two leading command words (`vm-list`), so each command
 * keeps the functions it runs compiled; anything unusual shares `other`.
 */
export function commandKey(words: readonly string[]): string {
  const key: string[] = [];
  for (const word of words) {
    if (key.length === 2 || !/^[a-z][a-z0-9-]{0,31}$/.test(word)) break;
    key.push(word);
  }
  return key.length > 0 ? key.join('-') : 'other';
}

/** A temporary cache file this old was left by an `ims` that died while writing it. */
const ABANDONED_WRITE_MS = 60_000;

/** True for a file or directory that only its owner, the current user, can change. */
function ownedPrivately(stats: { uid: number; mode: number }): boolean {
  return stats.uid === process.getuid?.() && (stats.mode & 0o022) === 0;
}

/** A code cache file: its data if usable, and a way to (re)write it. */
interface CodeCache {
  data: Buffer | undefined;
  save(data: Buffer): void;
}

/** The marker `scripts/bundle-cli.mjs` ends the bundle with, followed by a hash of its content. */
export const BUNDLE_HASH_MARKER = '//# imsBundleHash=';

/**
 * The bundle's content hash, from its last line; undefined without one. V8 accepts a code cache
 * for any source of the same length, and packages installed from npm all carry the same file
 * times, so only the content tells two builds apart.
 */
export function bundleHash(source: string): string | undefined {
  const at = source.lastIndexOf(BUNDLE_HASH_MARKER);
  if (at < 0) return undefined;
  const hash = source.slice(at + BUNDLE_HASH_MARKER.length).trim();
  return /^[0-9a-f]{16,64}$/.test(hash) ? hash : undefined;
}

function openCodeCache(
  dir: string,
  bundle: string,
  source: string,
  words: readonly string[],
): CodeCache | undefined {
  const hash = bundleHash(source);
  if (hash === undefined) return undefined;
  let stamp: string;
  try {
    const stats = statSync(bundle);
    // The file's size and time as well: a bundle edited by hand gets new caches too.
    const sizeAndTime = `${stats.size.toString(36)}-${Math.trunc(stats.mtimeMs).toString(36)}`;
    stamp = `${process.version}-${process.arch}-${hash.slice(0, 16)}-${sizeAndTime}`;
  } catch {
    return undefined;
  }
  const file = join(dir, `cli-${stamp}-${commandKey(words)}.bin`);
  let data: Buffer | undefined;
  try {
    const fd = openSync(file, 'r');
    try {
      const stats = fstatSync(fd);
      if (stats.isFile() && ownedPrivately(stats) && ownedPrivately(statSync(dir))) data = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    data = undefined; // no cache yet
  }
  const save = (fresh: Buffer) => {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!ownedPrivately(statSync(dir))) return;
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, fresh, { mode: 0o600, flag: 'wx' });
      renameSync(temporary, file); // atomic: a concurrent `ims` reads the old file or the new one
      for (const name of readdirSync(dir)) {
        if (!name.startsWith('cli-')) continue;
        const path = join(dir, name);
        // Left by an older build or another Node; or a write that was killed before its rename.
        const stale = name.endsWith('.bin')
          ? !name.startsWith(`cli-${stamp}-`)
          : name.endsWith('.tmp') && Date.now() - statSync(path).mtimeMs > ABANDONED_WRITE_MS;
        if (stale) rmSync(path, { force: true });
      }
    } catch {
      // A cache that cannot be written costs only speed.
    }
  };
  return { data, save };
}

/**
 * Runs `ims <words>` from the bundle at `bundle` and resolves to its exit code. Writes the code
 * cache after the command when there was none or V8 rejected it.
 */
export async function runCli(
  words: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  bundle: string = CLI_BUNDLE,
): Promise<number> {
  const source = readFileSync(bundle, 'utf8');
  const dir = codeCacheDir(env);
  const cache = dir === undefined ? undefined : openCodeCache(dir, bundle, source, words);
  const script = new Script(`${WRAPPER_HEAD}${source}\n})`, {
    filename: bundle,
    ...(cache?.data ? { cachedData: cache.data } : {}),
  });
  // The SPI is shared with the providers, which import it as an ES module: the bundle gets this
  // same instance. Everything else it requires is CommonJS or a Node built-in.
  const nodeRequire = createRequire(bundle);
  const requireFromBundle = (id: string) => (id === '@ims/spi' ? spi : nodeRequire(id));
  const module = { exports: {} as Partial<CliExports> };
  (script.runInThisContext() as BundleFunction)(
    module.exports,
    requireFromBundle,
    module,
    bundle,
    dirname(bundle),
    pathToFileURL(bundle).href,
    (specifier) => import(specifier),
  );
  if (typeof module.exports.main !== 'function') {
    throw new Error(`${bundle} is not the ims CLI bundle; rebuild @ims/core.`);
  }
  const code = await module.exports.main(words);
  if (cache && (cache.data === undefined || script.cachedDataRejected === true)) {
    cache.save(script.createCachedData());
  }
  return code;
}
