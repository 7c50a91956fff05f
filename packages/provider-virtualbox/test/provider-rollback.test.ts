/**
 * Undoing interrupted work on the simulator: a `createVm` cancelled while VirtualBox is cloning
 * removes the clone although its signal has fired (the clean-up runs under the clean-up signal),
 * and the host's rollback (`incomplete`) removes what a dead process left — a clone or template VM
 * without a record — but never a VM of that name that lives outside this configuration's folder.
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createProviderContext } from '@ims/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../core/test/rejection.js';
import plugin from '../src/index.js';
import { createSimFixture, type SimFixture, simConfig } from './sim-fixture.js';
import { tinyTemplate } from './tiny-template.js';

let fixture: SimFixture;

async function registered(): Promise<string[]> {
  const { stdout } = await fixture.vbox(['list', 'vms']);
  return [...stdout.matchAll(/^"(.*)" \{/gm)].map((m) => m[1] as string);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  fixture = await createSimFixture({ version: '7.0', prefix: 'rollback' });
  const template = await tinyTemplate(fixture.dir);
  await fixture.provider.importTemplate({ name: 'tiny', ...template });
}, 60_000);

afterAll(async () => {
  await fixture?.teardown();
});

describe('undoing interrupted work (VirtualBox simulator)', () => {
  it('a createVm cancelled once the clone is registered removes the clone', async () => {
    const operation = new AbortController();
    const context = createProviderContext({
      home: join(fixture.dir, 'ims'),
      configName: 'rollback',
      dataDir: fixture.dataDir,
      signal: operation.signal,
    });
    const provider = await plugin.create(context, simConfig(fixture.vboxManage, fixture.vmFolder));
    const creating = provider.createVm({
      name: 'cancelled',
      template: 'tiny',
      cpus: 1,
      memoryMiB: 128,
      nics: [{}],
    });
    const settled = creating.then(
      () => 'created',
      (error: unknown) => error,
    );
    const deadline = Date.now() + 20_000;
    while (!(await registered()).includes('cancelled') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    operation.abort();
    const outcome = await settled;
    await provider.close();
    if (outcome === 'created') return expect.fail('createVm finished before it could be cancelled');
    expect(outcome).toMatchObject({ code: 'IMS_ABORTED' });
    expect(await registered()).not.toContain('cancelled');
    expect(await exists(join(fixture.vmFolder, 'cancelled'))).toBe(false);
  }, 60_000);

  it('rolls back a clone whose record was never written; nothing left is IMS_VM_NOT_FOUND', async () => {
    await fixture.provider.createVm({
      name: 'norecord',
      template: 'tiny',
      cpus: 1,
      memoryMiB: 128,
      nics: [{}],
    });
    // What a kill between `clonevm` and the record leaves.
    await rm(join(fixture.dataDir, 'vms', 'norecord.json'));
    const refused = await rejection(fixture.provider.deleteVm('norecord', { force: true }));
    expect(refused).toMatchObject({ code: 'IMS_INVALID_STATE' });

    await fixture.provider.deleteVm('norecord', { force: true, incomplete: true });
    expect(await registered()).not.toContain('norecord');
    expect(await exists(join(fixture.vmFolder, 'norecord'))).toBe(false);
    const again = await rejection(fixture.provider.deleteVm('norecord', { force: true, incomplete: true }));
    expect(again).toMatchObject({ code: 'IMS_VM_NOT_FOUND' });
  }, 60_000);

  it('never rolls back a VM of that name that lives outside the configuration’s folder', async () => {
    const elsewhere = join(fixture.dir, 'elsewhere');
    const made = await fixture.vbox([
      'createvm',
      '--name',
      'stranger',
      '--basefolder',
      elsewhere,
      '--register',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const refused = await rejection(fixture.provider.deleteVm('stranger', { force: true, incomplete: true }));
    expect(refused).toMatchObject({ code: 'IMS_INVALID_STATE' });
    expect(await registered()).toContain('stranger');

    const template = await fixture.vbox([
      ...['createvm', '--name', 'ims-template-foreign', '--basefolder', elsewhere, '--register'],
    ]);
    expect(template.code, template.stderr).toBe(0);
    const kept = await rejection(fixture.provider.deleteTemplate('foreign', { incomplete: true }));
    expect(kept).toMatchObject({ code: 'IMS_ALREADY_EXISTS' });
    expect(await registered()).toContain('ims-template-foreign');
  }, 60_000);

  it('rolls back a template VM registered without a record, with its folder', async () => {
    const template = await tinyTemplate(join(fixture.dir, 'more'), 'half');
    await fixture.provider.importTemplate({ name: 'half', ...template });
    await rm(join(fixture.dataDir, 'templates', 'half.json'));
    const plain = await rejection(fixture.provider.deleteTemplate('half'));
    expect(plain).toMatchObject({ code: 'IMS_TEMPLATE_NOT_FOUND' });

    await fixture.provider.deleteTemplate('half', { incomplete: true });
    expect(await registered()).not.toContain('ims-template-half');
    expect(await exists(join(fixture.vmFolder, 'ims-templates', 'half'))).toBe(false);
    const again = await rejection(fixture.provider.deleteTemplate('half', { incomplete: true }));
    expect(again).toMatchObject({ code: 'IMS_TEMPLATE_NOT_FOUND' });
  }, 60_000);
});
