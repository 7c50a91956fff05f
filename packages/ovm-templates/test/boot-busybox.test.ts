import { chmod, mkdir, writeFile } from 'node:fs/promises';
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
import { buildTemplate, makeTempDir, removeTempDir } from './helpers/builder.js';
import { startGuest } from './helpers/qemu.js';
import { readTemplateJson } from './helpers/template.js';

const NAME = 'bb-boot';
const VM = 'ims-boot-1';
const MAC = '52:54:00:12:34:56';

describe('booting the busybox template under qemu (TCG)', () => {
  let work: string | undefined;
  let template: string;
  let bootImage: string;
  let cmdline: string;

  beforeAll(async () => {
    requireQemu();
    work = await makeTempDir('ims-tb-boot');
    const app = join(work, 'app');
    await mkdir(app);
    await writeFile(join(app, 'hello.txt'), 'hello from the application disk\n');
    const hook = join(work, '50-echo');
    await writeFile(hook, ECHO_HOOK);
    await chmod(hook, 0o755);
    const out = join(work, 'out');
    await buildTemplate(['--base', 'busybox', '--name', NAME, '--out', out, '--app', app, '--hook', hook]);
    template = join(out, NAME);
    cmdline = (await readTemplateJson(template)).cmdline ?? '';
    bootImage = await writeBootImage(work, testBootParams(VM, MAC));
  }, 300_000);

  afterAll(() => removeTempDir(work));

  it('configures itself from the boot image, runs the hook, answers the agent and powers off on ACPI', async () => {
    const dir = join(work ?? '', 'vm');
    await mkdir(dir);
    const guest = startGuest({
      workDir: dir,
      kernel: join(template, 'vmlinuz'),
      initrd: join(template, 'initrd.img'),
      cmdline,
      memoryMiB: 256,
      mac: MAC,
      disks: [
        await overlay(dir, join(template, 'System.img')),
        await overlay(dir, join(template, 'Application.img')),
        { file: bootImage, format: 'raw', readonly: true },
      ],
    });
    try {
      const readyMs = await guest.waitForConsole(/IMS: ready/, 120_000, BOOT_FAILED);
      console.log(`busybox template: qemu start to "IMS: ready" in ${(readyMs / 1000).toFixed(1)} s (TCG)`);
      await expectGuestConfigured(guest, VM, MAC, 30_000);
      expect(await guest.agent({ execute: 'guest-get-host-name' }, 10_000)).toEqual({ 'host-name': VM });

      await guest.qmp({ execute: 'system_powerdown' });
      expect(await guest.waitForExit(60_000)).toBe(0);
      expect(guest.console()).toContain('ims-base: ACPI power button, powering off');
    } finally {
      await guest.kill();
    }
  }, 300_000);

  it('powers off with a clear message when the system disk is missing', async () => {
    const dir = join(work ?? '', 'no-root');
    await mkdir(dir);
    const guest = startGuest({
      workDir: dir,
      kernel: join(template, 'vmlinuz'),
      initrd: join(template, 'initrd.img'),
      cmdline: `${cmdline} ims.rootwait=2`,
      memoryMiB: 256,
      mac: MAC,
      disks: [{ file: bootImage, format: 'raw', readonly: true }],
    });
    try {
      expect(await guest.waitForExit(120_000)).toBe(0);
      expect(guest.console()).toContain('ims-initramfs: ERROR: root LABEL=ims-system not found within 2s');
      expect(guest.console()).toContain('ims-initramfs: powering off');
    } finally {
      await guest.kill();
    }
  }, 180_000);
});
