import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, DISCOVERY_FIXTURES, FIXTURE_PLUGINS, runIms, tempHome } from './run-ims.js';

interface PluginJson {
  package: string;
  version: string | null;
  provider: string | null;
  spi: string | null;
  status: string;
  error?: { code: string; message: string; hint?: string };
}

beforeAll(assertBuilt);

describe('ims plugins', () => {
  it('lists the installed provider packages from their manifests, in the documented shape', async () => {
    const run = await runIms(['plugins', '--json'], {
      IMS_HOME: tempHome(),
      IMS_PLUGIN_PATH: FIXTURE_PLUGINS,
    });
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as PluginJson[];
    const byProvider = Object.fromEntries(rows.map((r) => [r.provider, r]));
    for (const id of ['libvirt', 'ovm', 'virtualbox', 'memory']) expect(byProvider[id]?.status).toBe('ok');
    expect(byProvider.libvirt).toEqual({
      package: '@ims/provider-libvirt',
      version: '0.1.0',
      provider: 'libvirt',
      spi: '^1.2.0',
      status: 'ok',
    });
  });

  it('shows every broken package with its own code, exits 0, and imports no provider code', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'ims-marker-')), 'imported');
    const run = await runIms(['plugins', '--json'], {
      IMS_HOME: tempHome(),
      IMS_PLUGIN_PATH: DISCOVERY_FIXTURES,
      IMS_TEST_IMPORT_MARKER: marker,
    });
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as PluginJson[];
    const status = Object.fromEntries(rows.map((r) => [r.package, `${r.status}:${r.error?.code ?? ''}`]));
    expect(status).toMatchObject({
      '@acme/ims-provider-good': 'ok:',
      'bad-manifest': 'invalid:IMS_PLUGIN_MANIFEST_INVALID',
      'broken-json': 'invalid:IMS_PLUGIN_MANIFEST_INVALID',
      'spi-future': 'incompatible:IMS_PLUGIN_SPI_INCOMPATIBLE',
      'entry-missing': 'invalid:IMS_PLUGIN_ENTRY_MISSING',
      'dup-good': 'invalid:IMS_PLUGIN_DUPLICATE',
      '@ims/provider-libvirt': 'ok:',
    });
    expect(status['not-a-plugin']).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
  });

  it('--verify imports each entry, reports import-time failures, and exits 4', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'ims-marker-')), 'imported');
    const run = await runIms(['plugins', '--verify', '--json'], {
      IMS_HOME: tempHome(),
      IMS_PLUGIN_PATH: DISCOVERY_FIXTURES,
      IMS_TEST_IMPORT_MARKER: marker,
    });
    expect(run.code).toBe(4);
    const rows = JSON.parse(run.stdout) as PluginJson[];
    const status = Object.fromEntries(rows.map((r) => [r.package, `${r.status}:${r.error?.code ?? ''}`]));
    expect(status).toMatchObject({
      '@acme/ims-provider-good': 'ok:',
      'throws-on-import': 'failed:IMS_PLUGIN_IMPORT_FAILED',
      'not-a-provider': 'invalid:IMS_PLUGIN_NOT_A_PROVIDER',
      'code-spi-mismatch': 'incompatible:IMS_PLUGIN_SPI_INCOMPATIBLE',
      '@ims/provider-ovm': 'ok:',
    });
    expect(existsSync(marker)).toBe(true);
  });

  it('human output is a table on stdout with warnings and hints on stderr', async () => {
    const run = await runIms(['plugins'], { IMS_HOME: tempHome(), IMS_PLUGIN_PATH: DISCOVERY_FIXTURES });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^PACKAGE\s+VERSION\s+PROVIDER\s+SPI\s+STATUS$/);
    expect(run.stderr).toContain(
      'warning: spi-future: Provider "future" (package spi-future@3.0.0) supports SPI ^2.0.0',
    );
    expect(run.stderr).toContain('hint: Install a version of spi-future');
  });

  it('using a broken or incompatible provider exits 4, a missing one 3', async () => {
    const env = { IMS_HOME: tempHome(), IMS_PLUGIN_PATH: DISCOVERY_FIXTURES };
    for (const [provider, code, errorCode] of [
      ['future', 4, 'SPI'],
      ['explodes', 4, 'boom'],
      ['impostor', 4, 'not a provider plugin'],
      ['unbuilt', 4, 'does not exist'],
      ['nothing-here', 3, 'No installed package provides'],
    ] as const) {
      const run = await runIms(['config', 'create', 'c1', '--provider', provider], env);
      expect({ provider, code: run.code }).toEqual({ provider, code });
      expect(run.stderr).toContain(errorCode);
      expect(run.stderr).toMatch(/hint: /);
    }
    // The good neighbour still works.
    const good = await runIms(
      ['config', 'create', 'c1', '--provider', 'good', '--endpoint', 'http://x'],
      env,
    );
    expect(good.stderr).toBe('');
    expect(good.code).toBe(0);
  });
});
