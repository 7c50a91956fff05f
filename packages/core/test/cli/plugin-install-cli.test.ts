import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, DISCOVERY_FIXTURES, FIXTURE_PLUGINS, runIms, tempHome } from './run-ims.js';

beforeAll(assertBuilt);

describe('ims plugin install / remove', () => {
  const home = tempHome();
  const env = { IMS_HOME: home };
  const providers = async () =>
    (
      JSON.parse((await runIms(['plugins', '--json'], env)).stdout) as { package: string; status: string }[]
    ).map((r) => `${r.package}:${r.status}`);

  it('installs a provider package from a directory as a copy, with the host SPI provided', async () => {
    const run = await runIms(
      ['plugin', 'install', join(FIXTURE_PLUGINS, 'ims-provider-memory'), '--json'],
      env,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      package: 'ims-provider-memory',
      provider: 'memory',
      version: '1.0.0',
    });
    const installed = join(home, 'plugins', 'node_modules', 'ims-provider-memory');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(lstatSync(join(home, 'node_modules', '@ims', 'spi')).isSymbolicLink()).toBe(true);
    expect(await providers()).toContain('ims-provider-memory:ok');
    const created = await runIms(['config', 'create', 'm', '--provider', 'memory'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
  });

  it('refuses a package that is not a usable provider with exit 4 and removes it again', async () => {
    const run = await runIms(['plugin', 'install', join(DISCOVERY_FIXTURES, 'not-a-provider')], env);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('is not a provider plugin');
    expect(existsSync(join(home, 'plugins', 'node_modules', 'not-a-provider'))).toBe(false);
    const plain = await runIms(['plugin', 'install', join(DISCOVERY_FIXTURES, 'not-a-plugin')], env);
    expect(plain.code).toBe(4);
    expect(plain.stderr).toContain('has no "ims" field');
    expect(existsSync(join(home, 'plugins', 'node_modules', 'not-a-plugin'))).toBe(false);
  });

  it('removes an installed package; removing an unknown one exits 3', async () => {
    expect((await runIms(['plugin', 'remove', 'ims-provider-memory'], env)).code).toBe(0);
    expect(await providers()).not.toContain('ims-provider-memory:ok');
    const unknown = await runIms(['plugin', 'remove', 'ims-provider-memory'], env);
    expect(unknown.code).toBe(3);
    const hostile = await runIms(['plugin', 'remove', '../../etc'], env);
    expect(hostile.code).toBe(2);
  });
});
