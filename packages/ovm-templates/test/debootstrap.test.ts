import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOOT_FAILED,
  ECHO_HOOK,
  expectGuestConfigured,
  overlay,
  requireQemu,
  testBootParams,
} from './helpers/boot.js';
import { writeBootImage } from './helpers/boot-image.js';
import {
  buildTemplate,
  makeTempDir,
  PACKAGE_DIR,
  removeTempDir,
  requireTool,
  run,
} from './helpers/builder.js';
import { imageLabel, listImageDir, readImageFile, statImagePath } from './helpers/ext4.js';
import { type Guest, startGuest } from './helpers/qemu.js';
import { expectDisksMatchFiles, readTemplateJson, TEMPLATE_FILES } from './helpers/template.js';

const NAME = 'deb-test';
const VM = 'ims-deb-1';
const MAC = '52:54:00:ab:cd:01';

/** Runs a program in the guest through the agent and returns its standard output. */
async function agentExec(guest: Guest, path: string, args: string[]): Promise<string> {
  const started = (await guest.agent(
    { execute: 'guest-exec', arguments: { path, arg: args, 'capture-output': true } },
    30_000,
  )) as { pid: number };
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    const status = (await guest.agent(
      { execute: 'guest-exec-status', arguments: { pid: started.pid } },
      10_000,
    )) as { exited: boolean; 'out-data'?: string };
    if (status.exited) {
      return Buffer.from(status['out-data'] ?? '', 'base64').toString('utf8');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${path} ${args.join(' ')} did not finish in the guest`);
}

// First run: debootstrap downloads ~45 MB of packages into the cache (about a minute here); later
// runs about 50 s, most of it debootstrap unpacking and configuring.
describe('ims-template-build --base debootstrap', () => {
  let work: string | undefined;
  let template: string;
  let system: string;

  beforeAll(async () => {
    requireTool('debootstrap', 'debootstrap');
    requireTool('debugfs', 'e2fsprogs');
    work = await makeTempDir('ims-tb-deb');
    const app = join(work, 'app');
    await mkdir(app);
    await writeFile(join(app, 'hello.txt'), 'hello from the application disk\n');
    const hook = join(work, '50-echo');
    await writeFile(hook, ECHO_HOOK);
    await chmod(hook, 0o755);
    const out = join(work, 'out');
    const result = await buildTemplate([
      ...['--base', 'debootstrap', '--name', NAME, '--out', out, '--ssh'],
      ...['--app', app, '--hook', hook],
    ]);
    console.log(`debootstrap template: ${result.stdout.trim().split('\n').at(-1)}`);
    template = join(out, NAME);
    system = join(template, 'System.img');
  }, 600_000);

  afterAll(() => removeTempDir(work));

  it('writes every template file with real sizes and checksums', async () => {
    expect((await readdir(template)).sort()).toEqual(TEMPLATE_FILES);
    const metadata = await readTemplateJson(template);
    expect(metadata).toMatchObject({
      name: NAME,
      base: 'debootstrap',
      kernel: 'vmlinuz',
      initrd: 'initrd.img',
    });
    expect(metadata.os).toContain('Debian GNU/Linux 12 (bookworm)');
    await expectDisksMatchFiles(template, metadata.disks);
    const listing = await run('tar', ['-tzf', join(template, '..', `${NAME}.tgz`)]);
    expect(listing.stdout.trim().split('\n')).toEqual(TEMPLATE_FILES);
  });

  it('holds a kernel-less Debian with systemd and the boot scripts, the service enabled', async () => {
    expect(await imageLabel(system)).toBe('ims-system');
    expect((await statImagePath(system, '/sbin/init')).linkTarget).toBe('/lib/systemd/systemd');
    expect(await listImageDir(system, '/boot')).toEqual([]);
    expect(await readImageFile(system, '/usr/lib/ims/ims-bootconfig')).toBe(
      await readFile(join(PACKAGE_DIR, 'guest', 'ims-bootconfig'), 'utf8'),
    );
    expect(await readImageFile(system, '/usr/lib/systemd/system/ims-bootconfig.service')).toBe(
      await readFile(join(PACKAGE_DIR, 'guest', 'ims-bootconfig.service'), 'utf8'),
    );
    expect(
      (await statImagePath(system, '/etc/systemd/system/multi-user.target.wants/ims-bootconfig.service'))
        .linkTarget,
    ).toBe('/lib/systemd/system/ims-bootconfig.service');
    expect(
      await readImageFile(system, '/etc/systemd/system/ims-bootconfig.service.d/ims-app.conf'),
    ).toContain('After=opt-app.mount');
    expect(await readImageFile(system, '/etc/ims/boot.d/50-echo')).toBe(ECHO_HOOK);
    expect(await readImageFile(system, '/etc/fstab')).toMatch(
      /^LABEL=ims-app\s+\/opt\/app\s+ext4\s+\S*nofail/m,
    );
    expect(await listImageDir(system, '/usr/sbin')).toEqual(
      expect.arrayContaining(['qemu-ga', 'sshd', 'dhclient']),
    );
  });

  it('leaves no per-VM identity in the image: machine-id empty, no SSH host keys', async () => {
    expect(await readImageFile(system, '/etc/machine-id')).toBe('');
    expect((await listImageDir(system, '/etc/ssh')).filter((name) => name.startsWith('ssh_host_'))).toEqual(
      [],
    );
    expect(
      (await statImagePath(system, '/etc/systemd/system/multi-user.target.wants/ims-ssh-hostkeys.service'))
        .linkTarget,
    ).toBe('/lib/systemd/system/ims-ssh-hostkeys.service');
  });

  it('boots under qemu (TCG): systemd runs the boot scripts, the agent answers, ACPI powers it off', async () => {
    requireQemu();
    const dir = join(work ?? '', 'vm');
    await mkdir(dir);
    const bootImage = await writeBootImage(dir, testBootParams(VM, MAC));
    const metadata = await readTemplateJson(template);
    const guest = startGuest({
      workDir: dir,
      kernel: join(template, 'vmlinuz'),
      initrd: join(template, 'initrd.img'),
      cmdline: metadata.cmdline ?? '',
      memoryMiB: 512,
      mac: MAC,
      disks: [
        await overlay(dir, system),
        await overlay(dir, join(template, 'Application.img')),
        { file: bootImage, format: 'raw', readonly: true },
      ],
    });
    try {
      const readyMs = await guest.waitForConsole(/IMS: ready/, 180_000, BOOT_FAILED);
      console.log(
        `debootstrap template: qemu start to "IMS: ready" in ${(readyMs / 1000).toFixed(1)} s (TCG)`,
      );
      await expectGuestConfigured(guest, VM, MAC, 60_000);
      const state = await agentExec(guest, '/bin/sh', [
        '-c',
        // Host keys are made by a unit of multi-user.target, after the boot scripts reported ready.
        'timeout 120 systemctl is-system-running --wait >/dev/null; ' +
          'systemctl is-active ims-bootconfig.service; ls /etc/ssh | grep -c "^ssh_host_.*_key$"; ' +
          'test -s /etc/machine-id && echo machine-id',
      ]);
      expect(state.trim().split('\n')).toEqual(['active', '3', 'machine-id']);

      await guest.qmp({ execute: 'system_powerdown' });
      expect(await guest.waitForExit(120_000)).toBe(0);
    } finally {
      await guest.kill();
    }
  }, 300_000);
});
