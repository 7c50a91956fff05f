import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { checkManifest, ImsError, SPI_VERSION } from '@ims/spi';
import type { Candidate } from './candidates.js';
import {
  formatBytes,
  MAX_PACKAGE_JSON_BYTES,
  MAX_PACKAGE_JSON_DEPTH,
  nestsDeeperThan,
} from './manifest-limits.js';
import { isValidRange, rangeIncludes } from './spi-range.js';
import type { DiscoveredProvider, PluginFailure } from './types.js';

/** What steps 2–4 make of one candidate directory. */
export type Inspection =
  | { kind: 'not-a-plugin' }
  | { kind: 'provider'; provider: DiscoveredProvider }
  | { kind: 'failure'; failure: PluginFailure };

const MANIFEST_DOCS = 'docs/provider-guide.md#the-manifest';

interface PackageJson {
  name?: unknown;
  version?: unknown;
  ims?: unknown;
}

/** The first bytes of an oversized package.json, enough to tell whether it claims to be a plugin. */
const HEAD_BYTES = 64 * 1024;

// Synchronous reads on purpose: every command reads a few dozen small package.json files, and the
// thread-pool round trips of the asynchronous API cost more than the reads themselves.
function readPackageJson(dir: string): { json: PackageJson } | { broken: string } | null {
  let text: string;
  let fd: number;
  try {
    fd = openSync(join(dir, 'package.json'), 'r');
  } catch {
    return null;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return null;
    if (stats.size > MAX_PACKAGE_JSON_BYTES) {
      // Never read it whole; only one that meant to be a plugin is worth reporting.
      const head = Buffer.alloc(HEAD_BYTES);
      const length = readSync(fd, head, 0, HEAD_BYTES, 0);
      if (!head.subarray(0, length).includes('"ims"')) return null;
      return {
        broken: `its package.json is ${stats.size} bytes, larger than the limit of ${formatBytes(MAX_PACKAGE_JSON_BYTES)}`,
      };
    }
    text = readFileSync(fd, 'utf8');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
  // Only a package that looks like it meant to be a plugin is worth reporting.
  const claimsPlugin = text.includes('"ims"');
  if (claimsPlugin && nestsDeeperThan(text, MAX_PACKAGE_JSON_DEPTH)) {
    return { broken: `its package.json is nested deeper than ${MAX_PACKAGE_JSON_DEPTH} levels` };
  }
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null ? { json: json as PackageJson } : null;
  } catch (error) {
    return claimsPlugin ? { broken: `its package.json does not parse: ${(error as Error).message}` } : null;
  }
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Steps 2–4 for one package: manifest present, valid, SPI range satisfied, entry file present. */
export async function inspectPackage(
  candidate: Candidate,
  hostSpi: string = SPI_VERSION,
): Promise<Inspection> {
  const read = readPackageJson(candidate.dir);
  if (read === null) return { kind: 'not-a-plugin' };
  const packageName =
    'json' in read && typeof read.json.name === 'string' ? read.json.name : basename(candidate.dir);
  const version = 'json' in read && typeof read.json.version === 'string' ? read.json.version : undefined;
  const label = `${packageName}${version ? `@${version}` : ''}`;
  const fail = (
    status: PluginFailure['status'],
    error: ImsError,
    provider?: string,
    spi?: string,
  ): Inspection => ({
    kind: 'failure',
    failure: { packageName, version, dir: candidate.dir, provider, spi, status, error },
  });

  if ('broken' in read) {
    return fail(
      'invalid',
      new ImsError(
        'IMS_PLUGIN_MANIFEST_INVALID',
        `Package at ${candidate.dir} cannot be used: ${read.broken}.`,
        {
          hint: 'Reinstall the package, or remove it from the plugin directory (see docs/provider-guide.md#limits).',
          details: { package: packageName, dir: candidate.dir },
        },
      ),
    );
  }
  if (read.json.ims === undefined) return { kind: 'not-a-plugin' };

  const raw = read.json.ims as Record<string, unknown>;
  const claimedProvider = typeof raw?.provider === 'string' ? raw.provider : undefined;
  const claimedSpi = typeof raw?.spi === 'string' ? raw.spi : undefined;
  const checked = checkManifest(read.json.ims);
  const problems = checked.ok ? [] : [...checked.problems];
  if (checked.ok && !(await isValidRange(checked.manifest.spi))) {
    problems.push({
      field: 'ims.spi',
      expected: 'a valid semver range such as "^1.0.0"',
      received: JSON.stringify(checked.manifest.spi),
    });
  }
  if (!checked.ok || problems.length > 0) {
    const lines = problems.map((p) => `${p.field}: expected ${p.expected}, received ${p.received}`);
    return fail(
      'invalid',
      new ImsError(
        'IMS_PLUGIN_MANIFEST_INVALID',
        `Package ${label} at ${candidate.dir} has an invalid "ims" manifest: ${lines.join('; ')}.`,
        {
          hint: `Fix the "ims" field of its package.json (see ${MANIFEST_DOCS}), or remove the package.`,
          details: { package: packageName, problems },
        },
      ),
      claimedProvider,
      claimedSpi,
    );
  }
  const manifest = checked.manifest;

  if (!(await rangeIncludes(hostSpi, manifest.spi))) {
    return fail(
      'incompatible',
      new ImsError(
        'IMS_PLUGIN_SPI_INCOMPATIBLE',
        `Provider "${manifest.provider}" (package ${label}) supports SPI ${manifest.spi}, but this IMS host implements SPI ${hostSpi}.`,
        {
          hint: `Install a version of ${packageName} whose "ims.spi" range includes ${hostSpi}, or an IMS whose SPI version it supports.`,
          details: { package: packageName, range: manifest.spi, hostSpi },
        },
      ),
      manifest.provider,
      manifest.spi,
    );
  }

  const entryPath = resolve(candidate.dir, manifest.entry);
  let entryIsFile = false;
  try {
    entryIsFile = isInside(candidate.dir, entryPath) && statSync(entryPath).isFile();
  } catch {
    entryIsFile = false;
  }
  if (!entryIsFile) {
    return fail(
      'invalid',
      new ImsError(
        'IMS_PLUGIN_ENTRY_MISSING',
        `Provider "${manifest.provider}" (package ${label}): its entry ${manifest.entry} does not exist at ${entryPath}.`,
        {
          hint: 'The package may not be built or was installed incompletely: rebuild or reinstall it.',
          details: { package: packageName, entry: manifest.entry },
        },
      ),
      manifest.provider,
      manifest.spi,
    );
  }

  return {
    kind: 'provider',
    provider: {
      packageName,
      version: version ?? '0.0.0',
      dir: candidate.dir,
      manifest,
      source: candidate.source,
    },
  };
}
