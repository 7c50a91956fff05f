/**
 * What the conformance kit cannot see: what lands on dom0 (the template files, the VM's vm.cfg
 * and Bootparams.img), what the provider records, progress, managed versus unmanaged VMs,
 * prefixes of reported addresses, and the time limit of a graceful stop.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BootParams, ProgressReporter, ProviderContext, TemplateMetadata } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltTemplate, busyboxTemplate } from '../../provider-libvirt/test/busybox-template.js';
import { vifMacs } from '../src/vm-cfg.js';
import { expectCode, type OvmFixture, startOvmFixture } from './ovm-fixture.js';

const TEMPLATE = 'lc-base';
const VM = 'lc-vm';
const MAC = '00:16:3e:10:20:30';

let fixture: OvmFixture;
let template: BuiltTemplate;
const progress: { label: string; total?: number; updates: number[]; done: boolean }[] = [];

const recordingProgress: ProgressReporter = {
  start(label, total) {
    const task = { label, ...(total === undefined ? {} : { total }), updates: [] as number[], done: false };
    progress.push(task);
    return {
      update: (done) => task.updates.push(done),
      done: () => {
        task.done = true;
      },
    };
  },
};

function bootParams(vm: string, mac: string): BootParams {
  return {
    vmName: vm,
    hostname: vm,
    nics: [{ mac, address: { address: '10.0.2.15', prefix: 24 }, gateway: '10.0.2.2' }],
    dns: ['10.0.2.3'],
    sshKeys: [],
    params: { motd: `it's "quoted" with $(id) and \`id\` & <xml>` },
  };
}

async function vmDir(name: string): Promise<string> {
  const entry = (await fixture.runningPool()).find((e) => e.endsWith(`_${name}`));
  if (entry === undefined) throw new Error(`no running_pool directory for ${name}`);
  return join(fixture.ovsRoot, 'running_pool', entry);
}

beforeAll(async () => {
  template = await busyboxTemplate();
  fixture = await startOvmFixture('lc');
}, 120_000);

afterAll(async () => {
  await fixture?.teardown();
});

describe('describe', () => {
  it('names the Manager, the pool, its master and how dom0 is reached', async () => {
    const info = await fixture.provider.describe();
    expect(info.hypervisor).toBe('Oracle VM Manager');
    expect(info.version).toBe('2.2-simulated');
    expect(info.details).toMatchObject({
      serverPool: fixture.config.serverPool,
      dom0: `ssh://${fixture.config.dom0User}@127.0.0.1:${fixture.config.dom0Port}`,
      ovsRoot: fixture.ovsRoot,
    });
    expect(JSON.stringify(info)).not.toContain(fixture.config.password);
  });
});

describe('a template imported from its archive', () => {
  beforeAll(async () => {
    // What an interrupted import of an earlier version left: the upload of the user's archive.
    await mkdir(join(fixture.ovsRoot, 'seed_pool'), { recursive: true });
    await writeFile(join(fixture.ovsRoot, 'seed_pool', `.ims-upload-${TEMPLATE}.tgz`), 'left over');
    // And a packed archive a process killed during the upload left (pid 2^22 + 1 exceeds pid_max).
    await mkdir(fixture.context.dataDir, { recursive: true });
    await writeFile(join(fixture.context.dataDir, `.ims-pack-${TEMPLATE}-4194305-dead.tar`), 'left over');
    const context: ProviderContext = { ...fixture.context, progress: recordingProgress };
    const provider = await fixture.providerWith({}, context);
    await provider.importTemplate({
      name: TEMPLATE,
      directory: template.directory,
      archivePath: template.archive,
      metadata: template.metadata,
    });
  }, 60_000);

  it('lands in seed_pool/<name> with every file intact and nothing else left around', async () => {
    expect(await fixture.seedPool()).toEqual([TEMPLATE]);
    const metadata = JSON.parse(
      await readFile(join(template.directory, 'template.json'), 'utf8'),
    ) as TemplateMetadata;
    for (const disk of metadata.disks) {
      const copy = await readFile(join(fixture.ovsRoot, 'seed_pool', TEMPLATE, disk.file));
      expect(createHash('sha256').update(copy).digest('hex'), disk.file).toBe(disk.sha256);
    }
  });

  it('removed the packed archive a dead process left, and left none of its own', async () => {
    expect((await readdir(fixture.context.dataDir)).filter((f) => f.startsWith('.ims-pack-'))).toEqual([]);
  });

  it('is registered, approved and listed', async () => {
    expect((await fixture.provider.listTemplates()).map((t) => t.name)).toContain(TEMPLATE);
  });

  it('reported packing and upload as byte progress bars that reached their totals', async () => {
    // dom0 gets an archive IMS packs from the checked files, not the user's: packing counts the
    // template's bytes, the upload the packed archive's.
    const contentBytes = (await readdir(template.directory, { withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
    let size = 0;
    for (const file of contentBytes) size += (await readFile(join(template.directory, file))).length;
    const pack = progress.find((t) => t.label === `pack template ${TEMPLATE}`);
    expect(pack?.total).toBe(size);
    expect(pack?.updates.at(-1)).toBe(size);
    expect(pack?.done).toBe(true);
    const upload = progress.find((t) => t.label === `upload template ${TEMPLATE}`);
    expect(upload?.total).toBeGreaterThan(0);
    expect(upload?.updates.at(-1)).toBe(upload?.total);
    expect(upload?.done).toBe(true);
  });

  it('cannot be imported again under the same name, and nothing is sent for the attempt', async () => {
    await expectCode(
      fixture.provider.importTemplate({
        name: TEMPLATE,
        directory: template.directory,
        archivePath: template.archive,
      }),
      'IMS_ALREADY_EXISTS',
    );
    expect(await fixture.seedPool()).toEqual([TEMPLATE]);
  });
});

describe('a VM', () => {
  beforeAll(async () => {
    const created = await fixture.provider.createVm({
      name: VM,
      template: TEMPLATE,
      cpus: 1,
      memoryMiB: 128,
      nics: [{ mac: MAC.toUpperCase() }],
    });
    expect(created.macs).toEqual([MAC]);
  }, 60_000);

  it('has the MAC in its vm.cfg, with the template’s comments kept', async () => {
    const text = await readFile(join(await vmDir(VM), 'vm.cfg'), 'utf8');
    expect(vifMacs(text)).toEqual([MAC]);
    const templateComments = (await readFile(join(template.directory, 'vm.cfg'), 'utf8'))
      .split('\n')
      .filter((line) => line.startsWith('#'));
    for (const comment of templateComments) expect(text).toContain(comment);
  });

  it('is recorded as this configuration’s, and listed only for it', async () => {
    const record = JSON.parse(
      await readFile(join(fixture.context.dataDir, 'ovm-vms', `${VM}.json`), 'utf8'),
    ) as {
      vm: { macs: string[]; template: string };
    };
    expect(record.vm).toMatchObject({ macs: [MAC], template: TEMPLATE });
    expect((await fixture.provider.listVms({ includeUnmanaged: false })).map((v) => v.name)).toEqual([VM]);

    const home = join(fixture.dir, 'other-home');
    const other = await fixture.providerWith(
      {},
      { ...fixture.context, configName: 'other', dataDir: join(home, 'data') },
    );
    expect(await other.listVms({ includeUnmanaged: false })).toEqual([]);
    expect(await other.listVms({ includeUnmanaged: true })).toEqual([
      { name: VM, state: 'stopped', providerState: 'POWEREDOFF' },
    ]);
  });

  it('starts with its boot parameters written byte for byte as Bootparams.img', async () => {
    const params = bootParams(VM, MAC);
    await fixture.provider.startVm(VM, { bootParams: params });
    expect(await fixture.provider.getStatus(VM)).toEqual({ state: 'running', providerState: 'RUNNING' });
    const written = await readFile(join(await vmDir(VM), 'Bootparams.img'));
    expect(Buffer.compare(written, Buffer.from(await fixture.context.bootImage.build(params)))).toBe(0);
  });

  it('reports the guest’s address with the prefix it was booted with', async () => {
    let addresses = await fixture.provider.getAddresses(VM);
    for (let i = 0; i < 100 && addresses.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      addresses = await fixture.provider.getAddresses(VM);
    }
    expect(addresses).toEqual([{ mac: MAC, address: '10.0.2.15', prefix: 24, source: 'manager' }]);
  });

  it('gives metrics from xentop on dom0, CPU(%) from its second iteration', async () => {
    const [sample] = await fixture.provider.getMetrics([VM]);
    expect(sample).toMatchObject({ vm: VM, vcpus: 1, memoryTotalBytes: 128 * 1024 * 1024 });
    // xentop prints whole CPU seconds; the first iteration's CPU(%) would be 0.0.
    expect(sample?.cpuTimeNs).toBeGreaterThanOrEqual(0);
    expect((sample?.cpuTimeNs ?? 1) % 1e9).toBe(0);
    expect(sample?.cpuPercent).toBeGreaterThan(0);
    expect(sample?.memoryUsedBytes).toBe(128 * 1024 * 1024);
  });

  it('fails a graceful stop that takes longer than allowed with IMS_TIMEOUT, and is stopped later', async () => {
    const error = await expectCode(
      fixture.provider.stopVm(VM, { force: false, timeoutMs: 1 }),
      'IMS_TIMEOUT',
    );
    expect(error.hint).toMatch(/--force/);
    await fixture.provider.stopVm(VM, { force: false, timeoutMs: 10_000 });
    expect((await fixture.provider.getStatus(VM)).state).toBe('stopped');
    expect(await fixture.provider.getAddresses(VM)).toEqual([]);
  });

  it('is deleted with its directory and its record', async () => {
    await fixture.provider.startVm(VM, { bootParams: bootParams(VM, MAC) });
    await expectCode(fixture.provider.deleteVm(VM, { force: false }), 'IMS_INVALID_STATE');
    await fixture.provider.deleteVm(VM, { force: true });
    await expectCode(fixture.provider.getStatus(VM), 'IMS_VM_NOT_FOUND');
    expect(await fixture.runningPool()).toEqual([]);
    expect(await readdir(join(fixture.context.dataDir, 'ovm-vms'))).toEqual([]);
  });
});

describe('a template', () => {
  it('is deleted with its seed_pool directory', async () => {
    await fixture.provider.deleteTemplate(TEMPLATE);
    expect((await fixture.provider.listTemplates()).map((t) => t.name)).not.toContain(TEMPLATE);
    expect(await fixture.seedPool()).toEqual([]);
    await expectCode(fixture.provider.deleteTemplate(TEMPLATE), 'IMS_TEMPLATE_NOT_FOUND');
  });
});
