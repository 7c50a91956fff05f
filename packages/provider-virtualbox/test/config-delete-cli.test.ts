/**
 * `ims config delete` on the VBoxManage simulator: a VirtualBox template is a registered VM whose
 * disks live in the configuration's data directory, so deleting the configuration alone would
 * leave it registered and pointing at missing files (and a re-import under the name refused).
 * The delete is refused while templates or VMs exist; `--force` deletes them through the provider.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertProviderBuilt } from '../../core/test/cli/provider-build.js';
import { runIms, runImsOk } from '../../core/test/cli/run-ims.js';
import { busyboxTemplate } from '../../provider-libvirt/test/busybox-template.js';
import { FAST_SIM_ENV, loadSimulator } from './sim-fixture.js';

const CONFIG = 'vbox-del';
const TEMPLATE = 'busybox';
const VM = 'web-1';

let dir: string;
let home: string;
let vboxManage: string;
let vmFolder: string;
let archive: string;

const ims = (...words: string[]) => runIms(words, { IMS_HOME: home });
const imsOk = (...words: string[]) => runImsOk(words, { IMS_HOME: home });

/** The names of the VMs VirtualBox has registered, as `VBoxManage list vms` prints them. */
async function registeredVms(): Promise<string[]> {
  const { stdout } = await promisify(execFile)(vboxManage, ['list', 'vms']);
  return [...stdout.matchAll(/^"(.*)" \{/gm)].map((m) => m[1] as string).sort();
}

async function createConfigAndTemplate(): Promise<void> {
  await imsOk(
    'config',
    'create',
    CONFIG,
    '--provider',
    'virtualbox',
    '--vbox-manage',
    vboxManage,
    '--vm-folder',
    vmFolder,
  );
  await imsOk('template', 'import', CONFIG, archive, '--name', TEMPLATE);
}

beforeAll(async () => {
  assertProviderBuilt(resolve(import.meta.dirname, '..'));
  dir = await mkdtemp(join(tmpdir(), 'ims-vbox-delete-'));
  home = join(dir, 'home');
  vmFolder = join(dir, 'VirtualBox VMs');
  const bin = join(dir, 'bin');
  await Promise.all([bin, vmFolder].map((d) => mkdir(d, { recursive: true })));
  vboxManage = await (await loadSimulator()).writeVBoxManageWrapper({
    dir: bin,
    home: join(dir, 'vbox-state'),
    version: '7.0',
    env: { ...FAST_SIM_ENV },
  });
  archive = (await busyboxTemplate()).archive;
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('ims config delete with the VirtualBox provider', () => {
  it('refuses while a template exists, naming it and --force, and changes nothing', async () => {
    await createConfigAndTemplate();
    const registered = await registeredVms();
    expect(registered).toEqual([`ims-template-${TEMPLATE}`]);
    const state = readFileSync(join(home, 'state.json'), 'utf8');

    const refused = await ims('config', 'delete', CONFIG);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`1 template(s): ${TEMPLATE}`);
    expect(refused.stderr).toContain(`ims config delete ${CONFIG} --force`);
    expect(readFileSync(join(home, 'state.json'), 'utf8')).toBe(state);
    expect(existsSync(join(home, 'data', CONFIG))).toBe(true);
    expect(await registeredVms()).toEqual(registered);
  }, 120_000);

  it('with VMs too, lists both; --force deletes them through the provider, then the configuration', async () => {
    await imsOk('vm', 'create', CONFIG, VM, '--template', TEMPLATE, '--start');
    const refused = await ims('config', 'delete', CONFIG, '--json');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`1 VM(s): ${VM} and 1 template(s): ${TEMPLATE}`);

    const deleted = await imsOk('config', 'delete', CONFIG, '--force', '--json');
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: CONFIG, vms: [VM], templates: [TEMPLATE] });
    expect(await registeredVms()).toEqual([]);
    expect(existsSync(join(home, 'data', CONFIG))).toBe(false);
    expect(JSON.parse((await imsOk('config', 'list', '--json')).stdout)).toEqual([]);
  }, 120_000);

  it('lets the configuration and the template be created again under the same names', async () => {
    await createConfigAndTemplate();
    expect(await registeredVms()).toEqual([`ims-template-${TEMPLATE}`]);
    await imsOk('template', 'delete', CONFIG, TEMPLATE);
    const deleted = await imsOk('config', 'delete', CONFIG, '--json');
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: CONFIG, vms: [], templates: [] });
  }, 120_000);

  it('--force stops at the first failure, and what it did not delete stays', async () => {
    await createConfigAndTemplate();
    await imsOk('vm', 'create', CONFIG, 'forgotten-1', '--template', TEMPLATE);
    // A VM IMS no longer knows of (state restored from a backup): the provider refuses to delete
    // the template it is cloned from.
    const statePath = join(home, 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { vms: Record<string, unknown> };
    delete state.vms['forgotten-1'];
    writeFileSync(statePath, JSON.stringify(state));

    const failed = await ims('config', 'delete', CONFIG, '--force');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('forgotten-1');
    expect(await registeredVms()).toEqual(['forgotten-1', `ims-template-${TEMPLATE}`]);
    const templates = JSON.parse((await imsOk('template', 'list', CONFIG, '--json')).stdout) as {
      name: string;
    }[];
    expect(templates.map((t) => t.name)).toEqual([TEMPLATE]);
    expect(existsSync(join(home, 'data', CONFIG))).toBe(true);
  }, 120_000);
});
