/**
 * dom0 as this machine (`dom0Host: local`, as the demo runs it): templates are extracted by the
 * host's safe extractor or copied, files written directly, xentop run by the local runner; no SSH.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BootParams } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTgz, file } from '../../core/test/archive/tar-fixtures.js';
import { type BuiltTemplate, busyboxTemplate } from '../../provider-libvirt/test/busybox-template.js';
import { vifMacs } from '../src/vm-cfg.js';
import { expectCode, type OvmFixture, startOvmFixture } from './ovm-fixture.js';

let fixture: OvmFixture;
let template: BuiltTemplate;

function params(vm: string, mac: string): BootParams {
  return {
    vmName: vm,
    hostname: vm,
    nics: [{ mac, address: { address: '192.168.50.7', prefix: 26 } }],
    dns: [],
    sshKeys: [],
    params: {},
  };
}

beforeAll(async () => {
  template = await busyboxTemplate();
  fixture = await startOvmFixture('local', { local: true });
}, 120_000);

afterAll(async () => {
  await fixture?.teardown();
});

describe('a local dom0', () => {
  it('is described as this machine', async () => {
    expect((await fixture.provider.describe()).details?.dom0).toBe('local (this machine)');
  });

  it('imports from the archive and from the directory, leaving only the template directories', async () => {
    await fixture.provider.importTemplate({
      name: 'from-tgz',
      directory: template.directory,
      archivePath: template.archive,
    });
    await fixture.provider.importTemplate({ name: 'from-dir', directory: template.directory });
    expect(await fixture.seedPool()).toEqual(['from-dir', 'from-tgz']);
    for (const name of ['from-dir', 'from-tgz']) {
      const copy = await readFile(join(fixture.ovsRoot, 'seed_pool', name, 'vm.cfg'));
      expect(copy.equals(await readFile(join(template.directory, 'vm.cfg'))), name).toBe(true);
    }
    expect((await fixture.provider.listTemplates()).map((t) => t.name)).toEqual(['from-dir', 'from-tgz']);
  });

  it('refuses a hostile archive before writing anything', async () => {
    const archivePath = join(fixture.dir, 'evil.tgz');
    await writeFile(
      archivePath,
      await buildTgz([file('vm.cfg', "vif = ['bridge=xenbr0']\n"), file('../../evil', 'x')]),
    );
    await expectCode(
      fixture.provider.importTemplate({ name: 'evil', directory: template.directory, archivePath }),
      'IMS_ARCHIVE_UNSAFE',
    );
    expect(await fixture.seedPool()).toEqual(['from-dir', 'from-tgz']);
  });

  it('runs a VM through its whole life', async () => {
    const { provider } = fixture;
    const { macs } = await provider.createVm({
      name: 'local-vm',
      template: 'from-tgz',
      cpus: 2,
      memoryMiB: 96,
      nics: [{}],
    });
    const mac = macs[0] as string;
    expect(mac).toMatch(/^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
    const dir = (await fixture.runningPool()).find((e) => e.endsWith('_local-vm')) as string;
    expect(vifMacs(await readFile(join(fixture.ovsRoot, 'running_pool', dir, 'vm.cfg'), 'utf8'))).toEqual([
      mac,
    ]);

    await provider.startVm('local-vm', { bootParams: params('local-vm', mac) });
    let addresses = await provider.getAddresses('local-vm');
    for (let i = 0; i < 100 && addresses.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      addresses = await provider.getAddresses('local-vm');
    }
    expect(addresses).toEqual([{ mac, address: '192.168.50.7', prefix: 26, source: 'manager' }]);
    const [sample] = await provider.getMetrics(['local-vm']);
    expect(sample).toMatchObject({ vm: 'local-vm', vcpus: 2, memoryTotalBytes: 96 * 1024 * 1024 });

    await provider.suspendVm('local-vm');
    expect((await provider.getStatus('local-vm')).state).toBe('suspended');
    const refused = await expectCode(
      provider.startVm('local-vm', { bootParams: params('local-vm', mac) }),
      'IMS_INVALID_STATE',
      /it is SUSPENDED/,
    );
    expect(refused.hint).toMatch(/ims vm resume local-vm/);
    // A graceful stop of a suspended VM resumes it first.
    await provider.stopVm('local-vm', { force: false, timeoutMs: 10_000 });
    expect((await provider.getStatus('local-vm')).state).toBe('stopped');
    await provider.deleteVm('local-vm', { force: false });
    expect(await fixture.runningPool()).toEqual([]);
  });
});
