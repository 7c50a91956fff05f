import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { runVBoxManage, writeVBoxManageWrapper } from '../../src/simulator/index.js';

const run = promisify(execFile);

describe('the VBoxManage wrapper under parallel use', () => {
  let dir: string;
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('bakes the settings into an executable script (hostile paths quoted) and keeps state consistent across 20 parallel processes', async () => {
    dir = await mkdtemp(join(tmpdir(), "vboxsim par 'q' $(x) "));
    const home = join(dir, "state 'home'");
    const wrapper = await writeVBoxManageWrapper({
      dir: join(dir, 'bin'),
      home,
      version: '7.1',
      env: { VBOXSIM_LOCK_LINGER_MS: '0' },
    });
    expect(wrapper).toBe(join(dir, 'bin', 'VBoxManage'));
    expect((await stat(wrapper)).mode & 0o111).not.toBe(0);
    expect(await readFile(wrapper, 'utf8')).toMatch(/^#!\/bin\/sh\n/);
    // an environment without VBOXSIM_*: everything must come from the script, as over SSH
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };
    const version = await run(wrapper, ['--version'], { env });
    expect(version.stdout).toBe('7.1.14r170994\n');
    await run(wrapper, ['createvm', '--name', 'shared', '--register'], { env });
    const jobs = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? run(wrapper, ['createvm', '--name', `vm-${i}`, '--ostype', 'Linux26_64', '--register'], { env })
        : run(wrapper, ['guestproperty', 'set', 'shared', `/test/key-${i}`, `value ${i}`], { env }),
    );
    const results = await Promise.all(jobs);
    for (const r of results) expect(r.stderr).toBe('');
    const { stdout: vms } = await run(wrapper, ['list', 'vms'], { env });
    const names = [...vms.matchAll(/^"(.*)" \{[0-9a-f-]{36}\}$/gm)].map((m) => m[1]);
    expect(names).toHaveLength(11);
    expect(new Set(names).size).toBe(11);
    const { stdout: props } = await run(wrapper, ['guestproperty', 'enumerate', 'shared', '--old-format'], {
      env,
    });
    expect(props.split('\n').filter(Boolean)).toHaveLength(10);
    for (let i = 1; i < 20; i += 2) expect(props).toContain(`Name: /test/key-${i}, value: value ${i}, `);
    // exit codes travel through the wrapper
    await expect(run(wrapper, ['showvminfo', 'ghost'], { env })).rejects.toMatchObject({ code: 1 });
    await expect(run(wrapper, ['modifyvm'], { env })).rejects.toMatchObject({ code: 2 });
  });
});

describe('the state lock', () => {
  let dir: string;
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('breaks a lock left by a process that no longer exists', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vboxsim-lock-'));
    const dead = await new Promise<number>((resolve) => {
      const child = execFile(process.execPath, ['-e', '']);
      child.on('exit', () => resolve(child.pid!));
    });
    await writeFile(join(dir, '.lock'), String(dead));
    const started = Date.now();
    const r = await runVBoxManage(['list', 'vms'], { VBOXSIM_HOME: dir });
    expect(r).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });
});
