/**
 * `vm delete` removes what IMS and VirtualBox made for the VM and nothing else, locally and over a
 * real sshd on 127.0.0.1: a user's folder that happens to have the VM's name keeps its files and
 * subfolders. A VM folder that is `/`, a system folder or a home directory is refused when the
 * configuration is written and again before a delete.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { BootParams, Provider } from '@ims/spi';
import { isImsError } from '@ims/spi';
import { Value } from '@ims/spi/schema-value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../core/test/rejection.js';
import { startSshd, type TestSshd } from '../../core/test/ssh/sshd.js';
import plugin from '../src/index.js';
import { unsafeVmFolderReason } from '../src/vm-folder.js';
import {
  createSimFixture,
  createTinyVm,
  type SimFixture,
  type SimVersion,
  simConfig,
} from './sim-fixture.js';
import { sshProvider } from './sim-ssh.js';
import { tinyTemplate } from './tiny-template.js';

function bootParams(vm: string, mac: string): BootParams {
  return {
    vmName: vm,
    hostname: vm,
    nics: [{ mac, address: { address: '10.0.2.15', prefix: 24 } }],
    dns: [],
    sshKeys: [],
    params: {},
  };
}

/** What VirtualBox says about the VM's files: settings, disks, log folder, DVD. */
async function filesOf(fixture: SimFixture, vm: string): Promise<Map<string, string>> {
  const { stdout } = await fixture.vbox(['showvminfo', vm, '--machinereadable']);
  const values = new Map<string, string>();
  for (const match of stdout.matchAll(/^"?([^"=\n]+)"?="(.*)"$/gm))
    values.set(match[1] as string, match[2] as string);
  return values;
}

async function registered(fixture: SimFixture): Promise<string[]> {
  const { stdout } = await fixture.vbox(['list', 'vms']);
  return [...stdout.matchAll(/^"(.*)" \{/gm)].map((m) => m[1] as string);
}

/** The scenario, on whichever provider (local or over SSH) reaches the fixture's simulator. */
function deleteKeepsForeignFiles(version: SimVersion, overSsh: boolean): void {
  let fixture: SimFixture;
  let sshd: TestSshd | undefined;
  let provider: Provider;

  beforeAll(async () => {
    fixture = await createSimFixture({ version, prefix: overSsh ? 'delete-ssh' : 'delete' });
    if (overSsh) {
      sshd = await startSshd();
      provider = await sshProvider(fixture, sshd);
    } else {
      provider = fixture.provider;
    }
    await provider.importTemplate({ name: 'tiny', ...(await tinyTemplate(fixture.dir)) });
  });

  afterAll(async () => {
    if (overSsh) await provider?.close();
    await fixture?.teardown();
    await sshd?.stop();
  });

  it('deletes a VM whose folder holds a user’s files: the VM’s files go, the user’s stay', async () => {
    const docs = join(fixture.vmFolder, 'docs');
    await mkdir(join(docs, 'drafts'), { recursive: true });
    await writeFile(join(docs, 'notes.txt'), 'my notes\n');
    await writeFile(join(docs, 'drafts', 'chapter-1.txt'), 'draft\n');

    const {
      macs: [mac = ''],
    } = await provider.createVm({ name: 'docs', template: 'tiny', cpus: 1, memoryMiB: 64, nics: [{}] });
    await provider.startVm('docs', { bootParams: bootParams('docs', mac) });
    await provider.stopVm('docs', { force: true, timeoutMs: 5_000 });
    const files = await filesOf(fixture, 'docs');
    const made = {
      settings: files.get('CfgFile') as string,
      disk: files.get('SATA-0-0') as string,
      iso: files.get('IDE-1-0') as string,
      log: join(files.get('LogFldr') as string, 'VBox.log'),
    };
    expect(made.settings).toBe(join(docs, 'docs.vbox'));
    expect(made.iso).toBe(join(docs, 'docs-bootparams.iso'));
    for (const path of Object.values(made)) expect(existsSync(path), path).toBe(true);

    await provider.deleteVm('docs', { force: false });

    expect(await registered(fixture)).not.toContain('docs');
    for (const path of Object.values(made)) expect(existsSync(path), path).toBe(false);
    expect((await readdir(docs)).sort()).toEqual(['drafts', 'notes.txt']);
    expect(await readFile(join(docs, 'notes.txt'), 'utf8')).toBe('my notes\n');
    expect(await readdir(join(docs, 'drafts'))).toEqual(['chapter-1.txt']);
  });

  it('removes the folder of a VM that holds nothing else', async () => {
    const {
      macs: [mac = ''],
    } = await provider.createVm({ name: 'web-1', template: 'tiny', cpus: 1, memoryMiB: 64, nics: [{}] });
    await provider.startVm('web-1', { bootParams: bootParams('web-1', mac) });
    await provider.deleteVm('web-1', { force: true });
    expect(existsSync(join(fixture.vmFolder, 'web-1'))).toBe(false);
    expect(await registered(fixture)).toEqual(['ims-template-tiny']);
  });

  it('deletes a template: its disks and VM go, a user’s file in its folder stays', async () => {
    const folder = join(fixture.vmFolder, 'ims-templates', 'tiny');
    await writeFile(join(folder, 'README.user'), 'mine\n');
    await provider.deleteTemplate('tiny');
    expect(await registered(fixture)).toEqual([]);
    expect(await readdir(folder)).toEqual(['README.user']);
  });
}

describe('vm delete on this machine (7.1)', () => deleteKeepsForeignFiles('7.1', false));

describe('vm delete over SSH (6.1)', () => deleteKeepsForeignFiles('6.1', true));

describe('dangerous VM folders', () => {
  const dangerous = [
    '/',
    '/etc',
    '/etc/ims',
    '/usr/local',
    '/home',
    '/home/alice',
    '/Users/bob',
    '/root',
    '/tmp',
    '/var',
    '/srv/../etc',
    '/srv//vms',
    '/srv/vms/',
    'relative/vms',
  ];
  const fine = [
    '/srv/ims/vms',
    '/home/alice/vms',
    '/var/lib/ims/vms',
    '/tmp/ims-test/vms',
    '/root/vms',
    `/srv/vm folder "q" $(id) it's`,
  ];

  it('are refused by the configuration schema, so `ims config create` and `update` refuse them', () => {
    const base = { vboxManage: 'VBoxManage' };
    for (const vmFolder of dangerous) {
      expect(
        Value.Check(plugin.configSchema, Value.Default(plugin.configSchema, { ...base, vmFolder })),
        vmFolder,
      ).toBe(false);
      expect(unsafeVmFolderReason(vmFolder), vmFolder).toBeDefined();
    }
    for (const vmFolder of fine) {
      expect(
        Value.Check(plugin.configSchema, Value.Default(plugin.configSchema, { ...base, vmFolder })),
        vmFolder,
      ).toBe(true);
      expect(unsafeVmFolderReason(vmFolder), vmFolder).toBeUndefined();
    }
    expect(unsafeVmFolderReason(homedir())).toBeDefined();
  });

  describe('in a configuration written before the rule', () => {
    let fixture: SimFixture;

    beforeAll(async () => {
      fixture = await createSimFixture({ version: '7.0', prefix: 'danger' });
      await createTinyVm(fixture);
    });

    afterAll(async () => {
      await fixture?.teardown();
    });

    it('makes vm delete refuse before anything is touched, saying why and what to do', async () => {
      for (const vmFolder of ['/', '/etc', homedir()]) {
        const provider = await plugin.create(
          fixture.context,
          simConfig(fixture.vboxManage, fixture.vmFolder, { vmFolder }),
        );
        const error = await rejection(provider.deleteVm('web-1', { force: true }));
        expect(isImsError(error) && error.code, String(error)).toBe('IMS_CONFIG_INVALID');
        expect(String(error)).toContain(`The VM folder ${vmFolder} of configuration danger cannot hold VMs`);
        expect(isImsError(error) && error.hint).toContain('ims config update danger --vm-folder');
        const template = await rejection(provider.deleteTemplate('tiny'));
        expect(isImsError(template) && template.code).toBe('IMS_CONFIG_INVALID');
        await provider.close();
      }
      expect(await registered(fixture)).toEqual(['ims-template-tiny', 'web-1']);
      expect(existsSync(join(fixture.vmFolder, 'web-1', 'web-1.vbox'))).toBe(true);
    });
  });
});
