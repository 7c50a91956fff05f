import { existsSync, realpathSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type CommandRunner, ImsError, isImsError } from '@ims/spi';
import type { SearchRoot } from '../discovery/candidates.js';
import { type Inspection, inspectPackage } from '../discovery/inspect-package.js';
import { PluginRegistry } from '../discovery/registry.js';
import { defaultSearchRoots } from '../discovery/search-roots.js';
import type { DiscoveredProvider, PackageSource } from '../discovery/types.js';
import { verifyInChild } from '../discovery/verify-in-child.js';

/** What `ims plugin install` reports. */
export interface InstalledPlugin {
  /** npm package name. */
  package: string;
  /** Version. */
  version: string;
  /** Provider id. */
  provider: string;
  /** Directory it was installed to. */
  dir: string;
  /** Packages removed because this one took over their provider id (`--replace`). */
  replaced?: string[];
}

/** Options of {@link installPlugin}. */
export interface InstallOptions {
  /** Take over a provider id another package provides, removing that package if installed here. */
  replace?: boolean;
}

const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

function pluginsDir(home: string): string {
  return join(home, 'plugins');
}

/**
 * Installed plugins resolve `@ims/spi` to the host's own copy: provider packages declare it as a
 * peer dependency, and `IMS_HOME/node_modules/@ims/spi` (above the plugin tree, where npm never
 * prunes) links to the SPI package the host runs with.
 */
async function provideSpi(home: string): Promise<void> {
  const spiDir = dirname(createRequire(import.meta.url).resolve('@ims/spi/package.json'));
  const link = join(home, 'node_modules', '@ims', 'spi');
  await mkdir(dirname(link), { recursive: true });
  const current = await lstat(link).catch(() => undefined);
  if (current) await rm(link, { recursive: true, force: true });
  await symlink(spiDir, link, 'dir');
}

async function ensurePluginsPackage(home: string): Promise<string> {
  const dir = pluginsDir(home);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) {
    await writeFile(
      manifest,
      `${JSON.stringify({ name: 'ims-plugins', private: true, description: 'IMS provider plugins installed with `ims plugin install`', dependencies: {} }, null, 2)}\n`,
    );
  }
  return dir;
}

async function npm(runner: CommandRunner, args: string[], what: string): Promise<string> {
  const result = await runner.run(['npm', ...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    allowFailure: true,
    timeoutMs: 600_000,
  });
  if (result.exitCode !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-6).join('\n');
    throw new ImsError(
      'IMS_PLUGIN_INSTALL_FAILED',
      `${what} failed (npm exit ${result.exitCode}):\n${tail}`,
      {
        hint: 'Check the package name or path and that the npm registry is reachable.',
      },
    );
  }
  return result.stdout;
}

async function dependencies(dir: string): Promise<Record<string, string>> {
  const json = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return json.dependencies ?? {};
}

/**
 * Installs a provider package into `IMS_HOME/plugins` from an npm spec, a package directory or a
 * tarball, then checks it the way discovery will; a package that is not a usable provider is
 * removed again and the reason reported (exit 4).
 */
export async function installPlugin(
  home: string,
  runner: CommandRunner,
  spec: string,
  options: InstallOptions = {},
): Promise<InstalledPlugin> {
  if (spec.trim() === '' || spec.startsWith('-')) {
    throw new ImsError('IMS_INVALID_ARGUMENT', `"${spec}" is not a package to install.`, {
      hint: 'Give an npm package name, a package directory or a .tgz file.',
    });
  }
  const dir = await ensurePluginsPackage(home);
  await provideSpi(home);
  const before = await dependencies(dir);
  const work = await mkdtemp(join(dir, '.pack-'));
  try {
    let installable = spec;
    const local = resolve(spec);
    if (existsSync(local) && (await lstat(local)).isDirectory()) {
      // Its manifest is checked before npm reads it: npm walks a package.json recursively too.
      refuseUnlessProvider(spec, await inspectPackage({ dir: local, source: 'ims-home' }));
      // A directory is packed first, so the plugin is a copy that does not depend on the source tree.
      const packed = await npm(
        runner,
        ['pack', '--ignore-scripts', '--pack-destination', work, local],
        `Packing ${local}`,
      );
      installable = join(work, packed.trim().split('\n').pop() ?? '');
    } else if (existsSync(local)) {
      installable = local;
    }
    await npm(
      runner,
      ['install', '--prefix', dir, '--save', '--legacy-peer-deps', '--ignore-scripts', installable],
      `Installing ${spec}`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const after = await dependencies(dir);
  const added = Object.keys(after).filter((name) => before[name] !== after[name]);
  const name = added[0] ?? (PACKAGE_NAME.test(spec) ? spec : undefined);
  if (name === undefined)
    throw new ImsError(
      'IMS_PLUGIN_INSTALL_FAILED',
      `npm installed ${spec} but IMS cannot tell which package it was.`,
    );
  const packageDir = join(dir, 'node_modules', name);
  try {
    const provider = refuseUnlessProvider(
      name,
      await inspectPackage({ dir: packageDir, source: 'ims-home' }),
    );
    const holders = await otherHolders(home, provider);
    if (holders.length > 0 && !options.replace) throw takeoverRefused(provider, holders);
    const shadowing = holders.filter((h) => h.source === 'plugin-path');
    if (shadowing.length > 0) throw shadowedByPluginPath(provider, shadowing);
    // Its code runs in a process of its own, within a time limit (verify-in-child.ts).
    const failure = await verifyInChild(provider);
    if (failure) throw failure;
    const replaced: string[] = [];
    for (const holder of holders.filter((h) => h.source === 'ims-home')) {
      await npm(
        runner,
        ['uninstall', '--prefix', dir, '--legacy-peer-deps', holder.packageName],
        `Removing ${holder.packageName}`,
      );
      replaced.push(holder.packageName);
    }
    return {
      package: name,
      version: provider.version,
      provider: provider.manifest.provider,
      dir: packageDir,
      ...(replaced.length > 0 ? { replaced } : {}),
    };
  } catch (error) {
    await npm(
      runner,
      ['uninstall', '--prefix', dir, '--legacy-peer-deps', name],
      `Removing ${name} again`,
    ).catch(() => undefined);
    throw error;
  }
}

/** The discovered provider, or the reason the package is not one (thrown). */
function refuseUnlessProvider(name: string, inspection: Inspection): DiscoveredProvider {
  if (inspection.kind === 'not-a-plugin') {
    throw new ImsError(
      'IMS_PLUGIN_MANIFEST_INVALID',
      `Package ${name} is not an IMS provider: its package.json has no "ims" field.`,
      {
        hint: 'Provider packages carry an "ims" manifest (see docs/provider-guide.md).',
      },
    );
  }
  if (inspection.kind === 'failure') throw inspection.failure.error;
  return inspection.provider;
}

/** A package that provides (or claims) a provider id, as discovery found it. */
interface Holder {
  packageName: string;
  version: string | undefined;
  dir: string;
  source: PackageSource;
}

/** Every other package that provides or claims the new package's provider id, wherever installed. */
async function otherHolders(home: string, provider: DiscoveredProvider): Promise<Holder[]> {
  const roots = defaultSearchRoots(home);
  const { loaded, failures } = await new PluginRegistry({ roots }).discover();
  const id = provider.manifest.provider;
  const self = realpathSync(provider.dir);
  const claims = [
    ...loaded.filter((p) => p.manifest.provider === id),
    ...failures.filter((f) => f.provider === id).map((f) => ({ ...f, source: sourceOf(f.dir, roots) })),
  ];
  return claims
    .filter((c) => realpathSync(c.dir) !== self)
    .map((c) => ({ packageName: c.packageName, version: c.version, dir: c.dir, source: c.source }));
}

/** Where discovery found a package directory (`root/name` or `root/@scope/name`). */
function sourceOf(dir: string, roots: readonly SearchRoot[]): PackageSource {
  const parent = dirname(dir);
  const root = roots.find((r) => r.dir === parent || r.dir === dirname(parent));
  return root?.source ?? 'host';
}

function describeHolders(holders: readonly Holder[]): string {
  return holders.map((h) => `${h.packageName}${h.version ? `@${h.version}` : ''} (${h.dir})`).join(', ');
}

function takeoverRefused(provider: DiscoveredProvider, holders: readonly Holder[]): ImsError {
  const id = provider.manifest.provider;
  return new ImsError(
    'IMS_PLUGIN_DUPLICATE',
    `Package ${provider.packageName} provides provider "${id}", but provider "${id}" is already provided by ${describeHolders(holders)}; installing it would hand every "${id}" configuration, and its secrets, to the new package.`,
    {
      hint: `If ${provider.packageName} is meant to replace it, install with --replace; otherwise keep the installed one.`,
      details: { provider: id, package: provider.packageName, providedBy: holders.map((h) => h.packageName) },
    },
  );
}

function shadowedByPluginPath(provider: DiscoveredProvider, holders: readonly Holder[]): ImsError {
  const id = provider.manifest.provider;
  return new ImsError(
    'IMS_PLUGIN_DUPLICATE',
    `Provider "${id}" is provided by ${describeHolders(holders)} from IMS_PLUGIN_PATH, which takes precedence over IMS_HOME/plugins: ${provider.packageName} would never be used.`,
    {
      hint: 'Remove that directory from IMS_PLUGIN_PATH (or the package from it) first.',
      details: { provider: id, package: provider.packageName },
    },
  );
}

/** Removes a package installed with {@link installPlugin}. */
export async function removePlugin(home: string, runner: CommandRunner, name: string): Promise<void> {
  if (!PACKAGE_NAME.test(name)) {
    throw new ImsError('IMS_INVALID_ARGUMENT', `"${name}" is not an npm package name.`, {
      hint: 'Give the package name shown by `ims plugins`.',
    });
  }
  const dir = pluginsDir(home);
  const installed = existsSync(join(dir, 'package.json')) ? await dependencies(dir) : {};
  if (!(name in installed)) {
    throw new ImsError('IMS_PROVIDER_NOT_FOUND', `Package ${name} is not installed in ${dir}.`, {
      hint: 'Only packages added with `ims plugin install` can be removed this way; see `ims plugins`.',
    });
  }
  await npm(runner, ['uninstall', '--prefix', dir, '--legacy-peer-deps', name], `Removing ${name}`).catch(
    (error) => {
      throw isImsError(error) ? error : new ImsError('IMS_PLUGIN_INSTALL_FAILED', String(error));
    },
  );
}
