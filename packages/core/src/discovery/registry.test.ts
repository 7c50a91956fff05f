import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isImsError, isProviderPlugin, SPI_VERSION } from '@ims/spi';
import { afterEach, describe, expect, it } from 'vitest';
import { PluginRegistry } from './registry.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures/discovery');
const registry = (hostSpi?: string) =>
  new PluginRegistry({ roots: [{ dir: FIXTURES, source: 'plugin-path' }], ...(hostSpi ? { hostSpi } : {}) });

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (isImsError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
};

describe('PluginRegistry over the fixture packages', () => {
  let marker: string | undefined;
  afterEach(() => {
    if (marker) rmSync(marker, { force: true });
    delete process.env.IMS_TEST_IMPORT_MARKER;
  });

  it('classifies every package from manifests alone, each failure with its own code', async () => {
    const { loaded, failures } = await registry().discover();
    expect(loaded.map((p) => p.packageName).sort()).toEqual([
      '@acme/ims-provider-good',
      'code-spi-mismatch',
      'not-a-provider',
      'throws-on-import',
    ]);
    const byPackage = Object.fromEntries(failures.map((f) => [f.packageName, [f.status, f.error.code]]));
    expect(byPackage).toEqual({
      'bad-manifest': ['invalid', 'IMS_PLUGIN_MANIFEST_INVALID'],
      'broken-json': ['invalid', 'IMS_PLUGIN_MANIFEST_INVALID'],
      'spi-future': ['incompatible', 'IMS_PLUGIN_SPI_INCOMPATIBLE'],
      'entry-missing': ['invalid', 'IMS_PLUGIN_ENTRY_MISSING'],
      'dup-good': ['invalid', 'IMS_PLUGIN_DUPLICATE'],
    });
    expect(failures.some((f) => f.packageName === 'not-a-plugin')).toBe(false);
  });

  it('names field, expected and received for an invalid manifest', async () => {
    const { failures } = await registry().discover();
    const bad = failures.find((f) => f.packageName === 'bad-manifest')!;
    expect(bad.error.message).toContain('ims.provider: expected a provider id');
    expect(bad.error.message).toContain('received "Bad Name"');
    expect(bad.error.message).toContain('ims.entry');
    expect(bad.error.message).toContain('ims.colour');
  });

  it('names the package, its range, the host SPI version and what to do on a mismatch', async () => {
    const { failures } = await registry().discover();
    const future = failures.find((f) => f.packageName === 'spi-future')!.error;
    expect(future.message).toContain('spi-future@3.0.0');
    expect(future.message).toMatch(new RegExp(`\\^2\\.0\\.0.*${SPI_VERSION.replaceAll('.', '\\.')}`));
    expect(future.hint).toContain('Install a version of spi-future');
  });

  it('does not import any provider code while discovering', async () => {
    marker = join(mkdtempSync(join(tmpdir(), 'ims-marker-')), 'imported');
    process.env.IMS_TEST_IMPORT_MARKER = marker;
    await registry().rows(false);
    expect(existsSync(marker)).toBe(false);
  });

  it('loads the good provider lazily and keeps loading it after broken neighbours failed', async () => {
    const r = registry();
    expect(await codeOf(r.plugin('explodes'))).toBe('IMS_PLUGIN_IMPORT_FAILED');
    expect(await codeOf(r.plugin('impostor'))).toBe('IMS_PLUGIN_NOT_A_PROVIDER');
    expect(await codeOf(r.plugin('liar'))).toBe('IMS_PLUGIN_SPI_INCOMPATIBLE');
    expect(await codeOf(r.plugin('future'))).toBe('IMS_PLUGIN_SPI_INCOMPATIBLE');
    expect(await codeOf(r.plugin('unbuilt'))).toBe('IMS_PLUGIN_ENTRY_MISSING');
    expect(await codeOf(r.plugin('nope'))).toBe('IMS_PROVIDER_NOT_FOUND');
    const good = await r.plugin('good');
    expect(isProviderPlugin(good)).toBe(true);
    expect(good.id).toBe('good');
  });

  it('verify imports each entry and reports import-time failures per package', async () => {
    // (that verify really imports is proven in a fresh process by the CLI tests: ESM caches modules)
    const rows = await registry().rows(true);
    const status = Object.fromEntries(rows.map((r) => [r.package, [r.status, r.error?.code ?? null]]));
    expect(status['@acme/ims-provider-good']).toEqual(['ok', null]);
    expect(status['throws-on-import']).toEqual(['failed', 'IMS_PLUGIN_IMPORT_FAILED']);
    expect(status['not-a-provider']).toEqual(['invalid', 'IMS_PLUGIN_NOT_A_PROVIDER']);
    expect(status['code-spi-mismatch']).toEqual(['incompatible', 'IMS_PLUGIN_SPI_INCOMPATIBLE']);
  });

  it('checks ranges against the host SPI version it is given', async () => {
    const { loaded, failures } = await registry('2.3.0').discover();
    expect(loaded.map((p) => p.packageName)).toEqual(['spi-future']);
    expect(failures.filter((f) => f.error.code === 'IMS_PLUGIN_SPI_INCOMPATIBLE')).toHaveLength(6);
  });

  it('treats a missing search root as empty', async () => {
    const r = new PluginRegistry({ roots: [{ dir: '/nonexistent/ims', source: 'ims-home' }] });
    expect(await r.discover()).toEqual({ loaded: [], failures: [] });
  });
});
