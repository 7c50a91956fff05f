import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BootParams, checkManifest, type Provider } from '@ims/spi';
import { defaultBootParams } from '@ims/spi/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadMemoryPlugin,
  MEMORY_PACKAGE_DIR,
  makeTemplateDir,
  TEMPLATE_DISK_BYTES,
} from './memory-fixture.js';
import { createTestContext, type TestContext } from './test-context.js';

const SECRET = 'hunter2-secret-token';
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function context(): Promise<TestContext> {
  const test = await createTestContext();
  cleanups.push(test.cleanup);
  return test;
}

async function memoryProvider(test: TestContext, config: Record<string, unknown> = {}): Promise<Provider> {
  const plugin = await loadMemoryPlugin();
  const provider = await plugin.create(test.context, { token: SECRET, ...config });
  cleanups.push(() => provider.close());
  return provider;
}

async function createdAndStarted(provider: Provider, name: string, bootParams?: BootParams) {
  const { macs } = await provider.createVm({ name, template: 'tiny', cpus: 2, memoryMiB: 256, nics: [{}] });
  const mac = macs[0]!;
  await provider.startVm(name, { bootParams: bootParams ?? defaultBootParams(name, mac) });
  return mac;
}

const rejectsWith = (promise: Promise<unknown>, code: string) =>
  expect(promise).rejects.toMatchObject({ code, message: expect.any(String) });

describe('the memory provider fixture package', () => {
  it('has a valid manifest whose entry default-exports the memory plugin with every capability', async () => {
    const manifest = JSON.parse(await readFile(new URL('package.json', MEMORY_PACKAGE_DIR), 'utf8'));
    const check = checkManifest(manifest.ims);
    expect(check).toMatchObject({ ok: true, manifest: { provider: 'memory', entry: './index.js' } });
    const plugin = await loadMemoryPlugin();
    expect(plugin.id).toBe('memory');
    expect(Object.values(plugin.capabilities)).toEqual([true, true, true, true, true]);
    expect(plugin.configSchema.properties.token).toMatchObject({ type: 'string', writeOnly: true });
    expect(plugin.configSchema.additionalProperties).toBe(false);
  });

  it('shares the hypervisor between instances through the data directory with persist, and not without', async () => {
    const test = await context();
    const first = await memoryProvider(test, { persist: true });
    const second = await memoryProvider(test, { persist: true });
    await createdAndStarted(first, 'shared');
    expect(await second.getStatus('shared')).toEqual({ state: 'running', providerState: 'running' });
    await second.stopVm('shared', { force: true, timeoutMs: 1_000 });
    expect((await first.getStatus('shared')).state).toBe('stopped');

    const file = join(test.context.dataDir, 'memory-hypervisor.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(test.context.dataDir)).toEqual(['memory-hypervisor.json']);
    expect(await readFile(file, 'utf8')).not.toContain(SECRET);

    const isolated = await memoryProvider(test);
    await rejectsWith(isolated.getStatus('shared'), 'IMS_VM_NOT_FOUND');
  });

  it('refuses a corrupt state file with IMS_PROVIDER_ERROR', async () => {
    const test = await context();
    await writeFile(join(test.context.dataDir, 'memory-hypervisor.json'), '{ not json');
    const provider = await memoryProvider(test, { persist: true });
    await rejectsWith(provider.listVms({ includeUnmanaged: false }), 'IMS_PROVIDER_ERROR');
  });

  it('keeps a started VM "starting" for bootDelayMs, with no address until it runs', async () => {
    const test = await context();
    const provider = await memoryProvider(test, { bootDelayMs: 150 });
    await createdAndStarted(provider, 'slow');
    expect(await provider.getStatus('slow')).toEqual({ state: 'starting', providerState: 'booting' });
    expect(await provider.getAddresses('slow')).toEqual([]);
    await rejectsWith(provider.suspendVm('slow'), 'IMS_INVALID_STATE');
    await sleep(200);
    expect((await provider.getStatus('slow')).state).toBe('running');
  });

  it('reports 10.0.2.15/24 from the agent for a DHCP guest, and nothing while suspended', async () => {
    const test = await context();
    const provider = await memoryProvider(test);
    const params = (name: string, mac: string): BootParams => ({
      ...defaultBootParams(name, mac),
      nics: [{ mac, address: 'dhcp' }],
    });
    const { macs } = await provider.createVm({
      name: 'dhcp',
      template: 'tiny',
      cpus: 1,
      memoryMiB: 64,
      nics: [{}],
    });
    const mac = macs[0]!;
    await provider.startVm('dhcp', { bootParams: params('dhcp', mac) });
    expect(await provider.getAddresses('dhcp')).toEqual([
      { mac, address: '10.0.2.15', prefix: 24, source: 'agent' },
    ]);
    await provider.suspendVm('dhcp');
    expect(await provider.getAddresses('dhcp')).toEqual([]);
  });

  it('makes a graceful stop time out with IMS_TIMEOUT when the guest ignores shutdown; force still works', async () => {
    const test = await context();
    const provider = await memoryProvider(test);
    const stubborn = (name: string, mac: string): BootParams => ({
      ...defaultBootParams(name, mac),
      params: { 'ignore-shutdown': 'yes' },
    });
    const { macs } = await provider.createVm({
      name: 'stubborn',
      template: 'tiny',
      cpus: 1,
      memoryMiB: 64,
      nics: [{}],
    });
    await provider.startVm('stubborn', { bootParams: stubborn('stubborn', macs[0]!) });
    const began = Date.now();
    await rejectsWith(provider.stopVm('stubborn', { force: false, timeoutMs: 150 }), 'IMS_TIMEOUT');
    expect(Date.now() - began).toBeGreaterThanOrEqual(140);
    expect((await provider.getStatus('stubborn')).state).toBe('running');
    await provider.stopVm('stubborn', { force: true, timeoutMs: 150 });
    expect((await provider.getStatus('stubborn')).state).toBe('stopped');
  });

  it('shows the unmanaged VM "outsider" only when asked for unmanaged VMs', async () => {
    const test = await context();
    const provider = await memoryProvider(test);
    expect(await provider.listVms({ includeUnmanaged: false })).toEqual([]);
    expect(await provider.listVms({ includeUnmanaged: true })).toEqual([
      { name: 'outsider', state: 'running', providerState: 'running' },
    ]);
    await rejectsWith(
      provider.createVm({ name: 'outsider', template: 'tiny', cpus: 1, memoryMiB: 64, nics: [{}] }),
      'IMS_ALREADY_EXISTS',
    );
  });

  it('records an imported template with the total size of its files and its os', async () => {
    const test = await context();
    const provider = await memoryProvider(test);
    const directory = await makeTemplateDir();
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const metadataBytes = (await stat(join(directory, 'template.json'))).size;
    const info = await provider.importTemplate({
      name: 'web',
      directory,
      metadata: { name: 'web', os: 'busybox', disks: [] },
    });
    expect(info).toEqual({ name: 'web', sizeBytes: TEMPLATE_DISK_BYTES + metadataBytes, os: 'busybox' });
    expect((await provider.listTemplates()).map((template) => template.name)).toEqual(['tiny', 'web']);
    await rejectsWith(
      provider.importTemplate({ name: 'gone', directory: join(directory, 'nope') }),
      'IMS_INVALID_ARGUMENT',
    );
  });

  it('counts CPU time at 1 % of one CPU while running and half the memory as used', async () => {
    const test = await context();
    const provider = await memoryProvider(test);
    await createdAndStarted(provider, 'busy');
    await sleep(100);
    const [sample] = await provider.getMetrics(['busy']);
    expect(sample).toMatchObject({
      vm: 'busy',
      vcpus: 2,
      memoryTotalBytes: 256 * 1024 * 1024,
      memoryUsedBytes: 128 * 1024 * 1024,
    });
    expect(sample!.cpuTimeNs).toBeGreaterThanOrEqual(90 * 10_000);
    expect(sample!.cpuTimeNs).toBeLessThan(5_000 * 10_000);
  });

  it('refuses invalid names and MACs, never logs the token, and is unusable after close()', async () => {
    const test = await context();
    const provider = await memoryProvider(test);
    await rejectsWith(provider.getStatus('../etc'), 'IMS_INVALID_NAME');
    await rejectsWith(
      provider.createVm({
        name: 'ok',
        template: 'tiny',
        cpus: 1,
        memoryMiB: 64,
        nics: [{ mac: '52:54:00:zz:00:01' }],
      }),
      'IMS_INVALID_ARGUMENT',
    );
    const { macs } = await provider.createVm({
      name: 'ok',
      template: 'tiny',
      cpus: 1,
      memoryMiB: 64,
      nics: [{ mac: '52:54:00:AB:CD:EF' }],
    });
    expect(macs).toEqual(['52:54:00:ab:cd:ef']);
    expect(test.logLines).toContain('info created VM {"vm":"ok","template":"tiny"}');
    expect(test.logLines.join('\n')).not.toContain(SECRET);
    await provider.close();
    await rejectsWith(provider.listVms({ includeUnmanaged: false }), 'IMS_INTERNAL');
  });
});
