import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, FIXTURE_PLUGINS, IMS_BIN, runIms, tempHome } from './run-ims.js';

// Input that reaches `ims` from the command line: output files, names, parameter bytes.

beforeAll(assertBuilt);

function templateTgz(dir: string, name: string): string {
  mkdirSync(join(dir, 'tree'), { recursive: true });
  writeFileSync(join(dir, 'tree', 'template.json'), JSON.stringify({ name, disks: [] }));
  execFileSync('tar', ['czf', join(dir, `${name}.tgz`), '-C', join(dir, 'tree'), '.']);
  return join(dir, `${name}.tgz`);
}

describe('one VM of the memory provider', () => {
  const home = tempHome();
  const work = mkdtempSync(join(tmpdir(), 'ims-input-'));
  const env = { IMS_HOME: home, IMS_PLUGIN_PATH: FIXTURE_PLUGINS };
  const ims = (...words: string[]) => runIms(words, env);

  beforeAll(async () => {
    expect((await ims('config', 'create', 'mem', '--provider', 'memory', '--persist')).code).toBe(0);
    expect((await ims('template', 'import', 'mem', templateTgz(work, 'hardening-tpl'))).code).toBe(0);
    expect((await ims('vm', 'create', 'mem', 'v1', '--template', 'hardening-tpl')).code).toBe(0);
  });

  it('bootparams --out refuses an existing file and leaves it unchanged; --force replaces it', async () => {
    const iso = join(work, 'existing.iso');
    writeFileSync(iso, 'precious');
    const refused = await ims('vm', 'bootparams', 'v1', '--out', iso);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${iso} already exists`);
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(iso, 'utf8')).toBe('precious');
    const forced = await ims('vm', 'bootparams', 'v1', '--out', iso, '--force');
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(readFileSync(iso).subarray(0x8001, 0x8006).toString('latin1')).toBe('CD001'); // an ISO 9660 image
    const fresh = join(work, 'fresh.iso');
    expect((await ims('vm', 'bootparams', 'v1', '--out', fresh)).code).toBe(0);
    expect(readFileSync(fresh).length).toBeGreaterThan(0);
  });

  it('bootparams --out never writes through a symlink, with or without --force', async () => {
    const victim = join(work, 'victim.txt');
    writeFileSync(victim, 'do not touch');
    const link = join(work, 'link.iso');
    symlinkSync(victim, link);
    const dangling = join(work, 'dangling.iso');
    symlinkSync(join(work, 'would-be-created'), dangling);
    for (const words of [
      ['--out', link],
      ['--out', link, '--force'],
      ['--out', dangling],
      ['--out', dangling, '--force'],
    ]) {
      const run = await ims('vm', 'bootparams', 'v1', ...words);
      expect(run.code, words.join(' ')).not.toBe(0);
      expect(run.stderr, words.join(' ')).toMatch(/already exists|is a symbolic link/);
    }
    expect(readFileSync(victim, 'utf8')).toBe('do not touch');
    expect(existsSync(join(work, 'would-be-created'))).toBe(false);
    expect(readlinkSync(link)).toBe(victim);
  });

  it('escapes bidi and control characters of names it echoes', async () => {
    for (const words of [
      ['vm', 'status', 'evil\u202Egnp.exe'],
      ['config', 'show', 'x\u2066y\u0007'],
      ['vm', 'sta\u202Etus', 'v1'],
      ['vm', 'start', 'v1', '--param', 'bad\u202Ename=1'],
    ]) {
      const run = await ims(...words);
      expect(run.code, words.join(' ')).toBe(2);
      expect(run.stderr, words.join(' ')).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
      expect(run.stderr, words.join(' ')).not.toContain('\u0007');
      expect(run.stderr, words.join(' ')).toMatch(/\\u(202e|2066)/);
    }
  });

  /** `ims` run by sh, so arguments can carry any bytes (printf octal escapes). */
  const shell = (script: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        'sh',
        ['-c', script],
        { env: { ...process.env, ...env, IMS: IMS_BIN, NODE: process.execPath } },
        (error, stdout, stderr) => done({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });

  it('refuses a --param value whose bytes are not UTF-8, and keeps a genuine U+FFFD', async () => {
    const latin1 = await shell(
      '"$NODE" "$IMS" vm bootparams v1 --param "motd=caf$(printf \'\\351\')" --json',
    );
    expect(latin1.code).toBe(2);
    expect(latin1.stderr).toContain('--param "motd": the value is not valid UTF-8');
    const joined = await shell('"$NODE" "$IMS" vm bootparams v1 "--param=k=$(printf \'\\377\\376\')" --json');
    expect(joined.code).toBe(2);
    expect(joined.stderr).toContain('not valid UTF-8');
    const start = await shell('"$NODE" "$IMS" vm start v1 --param "k=$(printf \'\\300\\200\')"');
    expect(start.code).toBe(2);
    const genuine = await shell(
      '"$NODE" "$IMS" vm bootparams v1 --param "k=a$(printf \'\\357\\277\\275\')b" --json',
    );
    expect(genuine.stderr).toBe('');
    expect(genuine.code).toBe(0);
    expect((JSON.parse(genuine.stdout) as { params: Record<string, string> }).params.k).toBe('a\uFFFDb');
  });
});

describe('vm list over many configurations', () => {
  it('prints no listener-leak warning with twelve configurations listed at once', async () => {
    const home = tempHome();
    const vboxHome = mkdtempSync(join(tmpdir(), 'ims-vboxsim-'));
    const sim = resolve(import.meta.dirname, '../../../provider-virtualbox/bin/vboxmanage-sim.js');
    if (!existsSync(sim)) throw new Error(`${sim} is missing: build packages/provider-virtualbox`);
    const env = { IMS_HOME: home, VBOXSIM_HOME: vboxHome };
    for (let i = 1; i <= 12; i += 1) {
      const created = await runIms(
        ['config', 'create', `v${i}`, '--provider', 'virtualbox', '--vbox-manage', sim],
        env,
      );
      expect(created.code, created.stderr).toBe(0);
    }
    const list = await runIms(['vm', 'list', '--json'], env);
    expect(list.stderr).not.toContain('MaxListenersExceededWarning');
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('vm metrics over eleven configurations prints no listener-leak warning either', async () => {
    const home = tempHome();
    const work = mkdtempSync(join(tmpdir(), 'ims-metrics-'));
    const env = { IMS_HOME: home, IMS_PLUGIN_PATH: FIXTURE_PLUGINS };
    const names: string[] = [];
    for (let i = 1; i <= 11; i += 1) {
      const steps = [
        ['config', 'create', `m${i}`, '--provider', 'memory', '--persist'],
        ['template', 'import', `m${i}`, templateTgz(join(work, `t${i}`), `mt${i}`)],
        ['vm', 'create', `m${i}`, `mv${i}`, '--template', `mt${i}`, '--start'],
      ];
      for (const words of steps) expect((await runIms(words, env)).code, words.join(' ')).toBe(0);
      names.push(`mv${i}`);
    }
    const metrics = await runIms(['vm', 'metrics', ...names, '--json'], env);
    expect(metrics.stderr).not.toContain('MaxListenersExceededWarning');
    expect(metrics.stderr).toBe('');
    expect(metrics.code).toBe(0);
    expect((JSON.parse(metrics.stdout) as { vm: string }[]).map((m) => m.vm)).toEqual(names);
  }, 120_000);
});
