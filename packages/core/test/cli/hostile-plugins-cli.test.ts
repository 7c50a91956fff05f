import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, FIXTURE_PLUGINS, type ImsRun, runIms, tempHome } from './run-ims.js';

// Packages that attack the host at import time or with their package.json. Every command that
// touches them must end within its bound, exit 4 with the reason, and leave the host usable.

beforeAll(assertBuilt);

/** The time limit the tests give plugin loading (the default is longer). */
const LIMIT_MS = 1500;
/** A command that loads a hostile plugin must end well within this. */
const BOUND_MS = 12_000;

function manifest(name: string, provider: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name,
    version: '1.0.0',
    type: 'module',
    ims: { provider, spi: '^1.0.0', entry: './index.js' },
    ...extra,
  });
}

/** Writes a package directory `root/name` with the given package.json text and index.js. */
function writePackage(root: string, name: string, packageJson: string, index: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), packageJson);
  writeFileSync(join(dir, 'index.js'), index);
  return dir;
}

const IMPORT_ATTACKS = {
  'exits-at-import': 'process.exit(0);\n',
  'loops-at-import': 'for (;;) {}\n',
  // A timer keeps the event loop alive, so the await never settles and the process never ends.
  'awaits-forever': 'await new Promise(() => setInterval(() => {}, 1000));\n',
  // Nothing keeps the loop alive: Node would end the process with an unsettled top-level await.
  'awaits-nothing': 'await new Promise(() => {});\n',
  // Forges the verifying process's answer on its result pipe (without the nonce), then leaves.
  'fakes-success':
    "import { writeSync } from 'node:fs';\n" +
    "writeSync(3, JSON.stringify({ ok: true, id: 'fakes-success' }) + '\\n');\n" +
    'process.exit(0);\n',
} as const;

const REASONS: Record<keyof typeof IMPORT_ATTACKS, RegExp> = {
  'exits-at-import': /exited .*while (it was )?loading/,
  'loops-at-import': /did not finish loading within 1\.5 s/,
  'awaits-forever': /did not finish loading within 1\.5 s/,
  'awaits-nothing': /(did not finish loading within 1\.5 s|never settles)/,
  'fakes-success': /exited .*while (it was )?loading/,
};

async function timed(words: string[], env: Record<string, string>): Promise<ImsRun & { ms: number }> {
  const started = Date.now();
  const run = await runIms(words, env, undefined, 40_000);
  return { ...run, ms: Date.now() - started };
}

const root = mkdtempSync(join(tmpdir(), 'ims-hostile-'));
const importDir = join(root, 'import-attacks');
for (const [name, code] of Object.entries(IMPORT_ATTACKS)) {
  writePackage(importDir, name, manifest(name, name), code);
}

function installedIn(home: string, name: string): boolean {
  const deps = join(home, 'plugins', 'package.json');
  const listed =
    existsSync(deps) &&
    name in ((JSON.parse(readFileSync(deps, 'utf8')) as { dependencies?: object }).dependencies ?? {});
  return listed || existsSync(join(home, 'plugins', 'node_modules', name));
}

/** The host still works: listing plugins and configurations succeeds. */
async function expectHostWorks(env: Record<string, string>): Promise<void> {
  const plugins = await runIms(['plugins', '--json'], env);
  expect(plugins.stderr).toBe('');
  expect(plugins.code).toBe(0);
  const configs = await runIms(['config', 'list', '--json'], env);
  expect(configs.stderr).toBe('');
  expect(configs.code).toBe(0);
}

describe('a plugin attacking the host at import time', { timeout: 120_000 }, () => {
  const env = { IMS_HOME: tempHome(), IMS_PLUGIN_PATH: importDir, IMS_PLUGIN_TIMEOUT_MS: String(LIMIT_MS) };

  it('plugins --verify reports each one within the bound and exits 4', async () => {
    const run = await timed(['plugins', '--verify', '--json'], env);
    expect(run.ms).toBeLessThan(BOUND_MS);
    expect(run.code).toBe(4);
    const rows = JSON.parse(run.stdout) as {
      package: string;
      status: string;
      error?: { code: string; message: string };
    }[];
    for (const name of Object.keys(IMPORT_ATTACKS) as (keyof typeof IMPORT_ATTACKS)[]) {
      const row = rows.find((r) => r.package === name);
      expect(row, name).toMatchObject({ status: 'failed', error: { code: 'IMS_PLUGIN_IMPORT_FAILED' } });
      expect(row?.error?.message, name).toMatch(REASONS[name]);
    }
  });

  it('doctor reports each one as a failed plugin within the bound and exits 4', async () => {
    const run = await timed(['doctor', '--json'], env);
    expect(run.ms).toBeLessThan(BOUND_MS);
    expect(run.code).toBe(4);
    const checks = JSON.parse(run.stdout) as { check: string; status: string; detail: string }[];
    for (const name of Object.keys(IMPORT_ATTACKS) as (keyof typeof IMPORT_ATTACKS)[]) {
      const check = checks.find((c) => c.check === `plugin ${name}`);
      expect(check?.status, name).toBe('fail');
      expect(check?.detail, name).toMatch(REASONS[name]);
    }
  });

  for (const name of Object.keys(IMPORT_ATTACKS) as (keyof typeof IMPORT_ATTACKS)[]) {
    it(`plugin install refuses ${name} within the bound, exit 4, and removes it again`, async () => {
      const home = { IMS_HOME: tempHome(), IMS_PLUGIN_TIMEOUT_MS: String(LIMIT_MS) };
      const run = await timed(['plugin', 'install', join(importDir, name)], home);
      expect(run.ms).toBeLessThan(BOUND_MS + 20_000); // npm pack and install come on top
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(REASONS[name]);
      expect(installedIn(home.IMS_HOME, name)).toBe(false);
      await expectHostWorks(home);
    });
  }

  it('a command that needs a provider whose import never settles ends with exit 4', async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true });
    // A configuration of the hanging provider, written as an earlier IMS would have.
    const run = await timed(['config', 'create', 'c1', '--provider', 'awaits-forever'], {
      ...env,
      IMS_HOME: home,
    });
    expect(run.ms).toBeLessThan(BOUND_MS);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/did not finish loading within 1\.5 s/);
  });

  it('a command that needs a provider which exits at import does not exit 0', async () => {
    const run = await timed(['config', 'create', 'c2', '--provider', 'exits-at-import'], {
      ...env,
      IMS_HOME: tempHome(),
    });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/exits-at-import.*exited/);
  });
});

describe('a package.json built to break the host', { timeout: 120_000 }, () => {
  const dir = join(root, 'manifest-attacks');
  const depth = 100_000;
  const deep = `${manifest('deep-manifest', 'deep').slice(0, -1)},"x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  writePackage(dir, 'deep-manifest', deep, 'export default {};\n');
  const deepIms = manifest('deep-ims', 'deepims').replace(
    '"entry":"./index.js"',
    `"entry":"./index.js","x":${'['.repeat(depth)}${']'.repeat(depth)}`,
  );
  writePackage(dir, 'deep-ims', deepIms, 'export default {};\n');
  const huge = manifest('huge-manifest', 'huge', { description: 'x'.repeat(12 * 1024 * 1024) });
  writePackage(dir, 'huge-manifest', huge, 'export default {};\n');
  // Package fields are the author's text: a bidi override in a name must not reach the terminal.
  writePackage(dir, 'spoof-name', manifest('spoof\u202Etxt.exe', 'spoof'), 'export default {};\n');
  writePackage(
    dir,
    'spoof-spi',
    manifest('spoof-spi', 'spoofspi').replace('"^1.0.0"', '"^9.0.0\\u2066\\u001b[2J"'),
    'export default {};\n',
  );
  const env = { IMS_HOME: tempHome(), IMS_PLUGIN_PATH: dir };

  it('ims plugins shows control and bidi characters of package fields escaped', async () => {
    const run = await timed(['plugins'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('spoof\\u202etxt.exe');
    expect(run.stderr).toContain('\\u2066\\u001b[2J');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(`${run.stdout}${run.stderr}`).not.toContain('\u001b');
  });

  it('ims plugins lists them as invalid with the limit they break, and exits 0', async () => {
    const run = await timed(['plugins', '--json'], env);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as {
      package: string;
      status: string;
      error?: { code: string; message: string };
    }[];
    const byName = Object.fromEntries(rows.map((r) => [r.package, r]));
    for (const name of ['deep-manifest', 'deep-ims']) {
      expect(byName[name], name).toMatchObject({
        status: 'invalid',
        error: { code: 'IMS_PLUGIN_MANIFEST_INVALID' },
      });
      expect(byName[name]?.error?.message).toMatch(/nested deeper than 64 levels/);
    }
    expect(byName['huge-manifest']).toMatchObject({
      status: 'invalid',
      error: { code: 'IMS_PLUGIN_MANIFEST_INVALID' },
    });
    expect(byName['huge-manifest']?.error?.message).toMatch(/larger than the limit of 1 MiB/);
  });

  for (const name of ['deep-manifest', 'deep-ims', 'huge-manifest']) {
    it(`plugin install refuses ${name} with exit 4 and the host keeps working`, async () => {
      const home = { IMS_HOME: tempHome() };
      const run = await timed(['plugin', 'install', join(dir, name)], home);
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/(nested deeper than 64 levels|larger than the limit of 1 MiB)/);
      expect(run.stderr).not.toContain('internal error');
      expect(installedIn(home.IMS_HOME, name)).toBe(false);
      await expectHostWorks(home);
    });
  }
});

describe('a package taking over a provider id that is already provided', { timeout: 120_000 }, () => {
  const home = tempHome();
  const env = { IMS_HOME: home };
  const impostor = join(root, 'takeover', 'impostor-memory');
  cpSync(join(FIXTURE_PLUGINS, 'ims-provider-memory'), impostor, { recursive: true });
  const json = JSON.parse(readFileSync(join(impostor, 'package.json'), 'utf8')) as { name: string };
  json.name = 'impostor-memory';
  writeFileSync(join(impostor, 'package.json'), JSON.stringify(json));

  it('is refused with exit 4 and not installed; the configuration keeps its provider', async () => {
    expect(
      (await runIms(['plugin', 'install', join(FIXTURE_PLUGINS, 'ims-provider-memory')], env)).code,
    ).toBe(0);
    const created = await runIms(['config', 'create', 'm', '--provider', 'memory', '--token-env', 'T'], {
      ...env,
      T: 'secret-token',
    });
    expect(created.code).toBe(0);
    const run = await runIms(['plugin', 'install', impostor], env);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/provider "memory" is already provided by ims-provider-memory/);
    expect(run.stderr).toContain('--replace');
    expect(installedIn(home, 'impostor-memory')).toBe(false);
    expect(installedIn(home, 'ims-provider-memory')).toBe(true);
  });

  it('a provider the host itself ships is refused too', async () => {
    const libvirt = join(root, 'takeover', 'impostor-libvirt');
    cpSync(impostor, libvirt, { recursive: true });
    const fake = JSON.parse(readFileSync(join(libvirt, 'package.json'), 'utf8')) as {
      name: string;
      ims: { provider: string };
    };
    fake.name = 'impostor-libvirt';
    fake.ims.provider = 'libvirt';
    writeFileSync(join(libvirt, 'package.json'), JSON.stringify(fake));
    const run = await runIms(['plugin', 'install', libvirt], env);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/provider "libvirt" is already provided by @ims\/provider-libvirt/);
    expect(installedIn(home, 'impostor-libvirt')).toBe(false);
  });

  it('--replace installs it in place of the package that provided the id', async () => {
    const run = await runIms(['plugin', 'install', impostor, '--replace', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      package: 'impostor-memory',
      provider: 'memory',
      replaced: ['ims-provider-memory'],
    });
    expect(installedIn(home, 'impostor-memory')).toBe(true);
    expect(installedIn(home, 'ims-provider-memory')).toBe(false);
    const plugins = JSON.parse((await runIms(['plugins', '--json'], env)).stdout) as {
      package: string;
      status: string;
    }[];
    expect(plugins.filter((p) => p.package.endsWith('memory'))).toEqual([
      expect.objectContaining({ package: 'impostor-memory', status: 'ok' }),
    ]);
  });

  it('--replace cannot take over a provider from IMS_PLUGIN_PATH, which takes precedence', async () => {
    const run = await runIms(['plugin', 'install', impostor, '--replace'], {
      IMS_HOME: tempHome(),
      IMS_PLUGIN_PATH: FIXTURE_PLUGINS,
    });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/from IMS_PLUGIN_PATH, which takes precedence/);
  });
});
