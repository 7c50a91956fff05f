/**
 * End to end through the built `ims` CLI on the VBoxManage simulator (VirtualBox 6.1 output): the
 * busybox template tarball from ovm-templates imported, a VM created with an address and a
 * hostile parameter, started, its address read back from the guest properties, metrics, suspend,
 * resume, stop, delete — nothing of the VM left; a VM folder such as `/etc` refused when the
 * configuration is written; and a missing VBoxManage exits 4 naming the path.
 */
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertProviderBuilt } from '../../core/test/cli/provider-build.js';
import { runIms, runImsOk } from '../../core/test/cli/run-ims.js';
import { busyboxTemplate } from '../../provider-libvirt/test/busybox-template.js';
import { createSimCliSetup } from './sim-fixture.js';

const CONFIG = 'vbox-e2e';
const TEMPLATE = 'busybox';
const VM = 'app-1';

let dir: string;
let home: string;
let vboxManage: string;
let vmFolder: string;

const ims = (...words: string[]) => runImsOk(words, { IMS_HOME: home });

beforeAll(async () => {
  assertProviderBuilt(resolve(import.meta.dirname, '..'));
  ({ dir, home, vmFolder, vboxManage } = await createSimCliSetup({
    version: '6.1',
    prefix: 'e2e',
    vmFolderName: 'VirtualBox VMs',
  }));
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('ims CLI with the VirtualBox provider (VBoxManage simulator)', () => {
  it('imports, creates, boots to the configured address, measures, suspends, stops and deletes', async () => {
    const template = await busyboxTemplate();
    const pwned = join(dir, 'pwned');
    const hostileValue = `it's "quoted" with $(touch ${pwned}) and \`touch ${pwned}\`\nand a second line`;
    await ims(
      ...['config', 'create', CONFIG, '--provider', 'virtualbox'],
      ...['--vbox-manage', vboxManage, '--vm-folder', vmFolder],
    );
    expect((await ims('config', 'test', CONFIG)).stdout).toContain('VirtualBox 6.1');
    await ims('template', 'import', CONFIG, template.archive, '--name', TEMPLATE);
    await ims(
      ...['vm', 'create', CONFIG, VM, '--template', TEMPLATE, '--ip', '10.0.2.15/24'],
      ...['--gateway', '10.0.2.2', '--param', `note=${hostileValue}`],
    );
    expect(JSON.parse((await ims('vm', 'status', VM, '--json')).stdout)).toMatchObject({
      state: 'stopped',
      providerState: 'poweroff',
    });

    const start = await ims('vm', 'start', VM, '--wait-ip=60');
    expect(start.stdout).toContain('10.0.2.15');
    const addresses = JSON.parse((await ims('vm', 'ip', VM, '--json')).stdout) as {
      mac: string;
      address: string;
      prefix: number;
      source: string;
    }[];
    const configured = addresses.find((a) => a.source === 'configured');
    expect(configured?.mac).toMatch(/^08:00:27(:[0-9a-f]{2}){3}$/);
    expect(addresses).toContainEqual({
      mac: configured?.mac,
      address: '10.0.2.15',
      prefix: 24,
      source: 'guest-property',
    });

    const metrics = JSON.parse((await ims('vm', 'metrics', VM, '--json')).stdout) as {
      vm: string;
      vcpus: number;
      memoryTotalBytes: number;
    }[];
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ vm: VM, vcpus: 1 });
    expect(metrics[0]?.memoryTotalBytes).toBeGreaterThan(0);

    await ims('vm', 'suspend', VM);
    expect(JSON.parse((await ims('vm', 'status', VM, '--json')).stdout)).toMatchObject({
      state: 'suspended',
      providerState: 'saved',
    });
    await ims('vm', 'resume', VM);
    expect(JSON.parse((await ims('vm', 'status', VM, '--json')).stdout)).toMatchObject({ state: 'running' });
    await ims('vm', 'stop', VM, '--timeout', '30');
    expect(JSON.parse((await ims('vm', 'status', VM, '--json')).stdout)).toMatchObject({ state: 'stopped' });

    await ims('vm', 'delete', VM);
    expect(await readdir(vmFolder)).not.toContain(VM);
    await ims('template', 'delete', CONFIG, TEMPLATE);
    expect(existsSync(pwned)).toBe(false);
  }, 300_000);

  it('refuses a VM folder that is a system folder or a home directory, at create and at update', async () => {
    for (const folder of ['/', '/etc', '/home/alice']) {
      const result = await runIms(
        ['config', 'create', 'bad-folder', '--provider', 'virtualbox', '--vm-folder', folder],
        { IMS_HOME: home },
      );
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('Invalid options for the virtualbox provider: --vm-folder: expected');
      expect(result.stderr).toContain('not /, a system folder or a home directory itself');
      expect(result.stderr).toContain(`(got "${folder}")`);
    }
    await ims(
      'config',
      'create',
      'good-folder',
      '--provider',
      'virtualbox',
      '--vm-folder',
      join(dir, 'vms-2'),
    );
    const update = await runIms(['config', 'update', 'good-folder', '--vm-folder', '/usr/local'], {
      IMS_HOME: home,
    });
    expect(update.code, update.stderr).toBe(2);
    expect((await ims('config', 'show', 'good-folder', '--json')).stdout).toContain(join(dir, 'vms-2'));
    await ims('config', 'delete', 'good-folder');
  });

  it('exits 4 naming the path when VBoxManage is not installed where the configuration says', async () => {
    const missing = join(dir, 'no such dir', 'VBoxManage');
    await ims('config', 'create', 'no-vbox', '--provider', 'virtualbox', '--vbox-manage', missing);
    const result = await runIms(['config', 'test', 'no-vbox'], { IMS_HOME: home });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(missing);
    expect(result.stderr).toContain('--vbox-manage');
  });
});
