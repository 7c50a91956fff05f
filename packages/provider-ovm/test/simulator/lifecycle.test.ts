import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultHostServices } from '@ims/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OvmManagerSimulator } from '../../src/simulator/index.js';
import { cfgValue, diskEntries, firstVifMac } from '../../src/simulator/vm-cfg.js';
import {
  callFault,
  callResults,
  child,
  echoXml,
  escapeText,
  type NsElement,
  startTestSimulator,
  tempRoot,
  textOf,
  waitFor,
  writeTemplate,
} from './helpers.js';

let sim: OvmManagerSimulator;
let root: string;
let logs: string[];
let stop: () => Promise<void>;

beforeEach(async () => {
  ({ sim, root, logs, stop } = await startTestSimulator());
});
afterEach(async () => {
  await stop();
});

const POOL = '<types:serverPoolName>pool1</types:serverPoolName>';
const tpl = (name: string): string => `${POOL}<types:templateName>${escapeText(name)}</types:templateName>`;

async function registerAndApprove(name: string): Promise<void> {
  await callResults(sim.url, 'ResourceService', 'registerTemplate', tpl(name));
  await callResults(sim.url, 'ResourceService', 'approveTemplate', tpl(name));
}

async function createVm(template: string, vmName: string, extra = ''): Promise<NsElement> {
  const config =
    '<types:templateVmConfig><types:serverPool>' +
    POOL +
    '</types:serverPool><types:vif><types:bridge>xenbr0</types:bridge></types:vif>' +
    `<types:templateName>${escapeText(template)}</types:templateName><types:vmName>${escapeText(vmName)}</types:vmName>` +
    `${extra}</types:templateVmConfig>`;
  const [vm] = await callResults(sim.url, 'LifecycleService', 'createVmBasedOnTemplate', config);
  if (vm === undefined) throw new Error('createVmBasedOnTemplate returned no result');
  return vm;
}

async function getVm(name: string): Promise<NsElement> {
  const [vm] = await callResults(
    sim.url,
    'VirtualMachineService',
    'getVMByName',
    `${POOL}<types:name>${escapeText(name)}</types:name>`,
  );
  if (vm === undefined) throw new Error('getVMByName returned no result');
  return vm;
}

const statusOf = (vm: NsElement): string => textOf(child(vm, 'status'), 'status');

async function waitForStatus(name: string, status: string): Promise<NsElement> {
  return waitFor(`${name} to be ${status}`, async () => {
    const vm = await getVm(name);
    return statusOf(vm) === status ? vm : undefined;
  });
}

async function powerOp(op: string, vm: NsElement): Promise<NsElement> {
  const [after] = await callResults(sim.url, 'VirtualMachineService', op, echoXml({ ...vm, name: 'vm' }));
  if (after === undefined) throw new Error(`${op} returned no result`);
  return after;
}

async function powerFault(op: string, vm: NsElement): Promise<string> {
  return callFault(sim.url, 'VirtualMachineService', op, echoXml({ ...vm, name: 'vm' }));
}

describe('template to VM to deletion', () => {
  it('discovers, registers, approves, creates, boots with an address, suspends, resumes, shuts down, deletes', async () => {
    await writeTemplate(root, 'jeos');

    const discovered = await callResults(sim.url, 'ResourceService', 'getAllDiscoverableTemplates', POOL);
    expect(discovered.map((r) => r.text)).toEqual(['jeos']);

    const [registered] = await callResults(sim.url, 'ResourceService', 'registerTemplate', tpl('jeos'));
    expect(registered && [statusOf(registered), textOf(child(registered, 'status'), 'code')]).toEqual([
      'PENDING',
      '100',
    ]);
    expect(await callFault(sim.url, 'LifecycleService', 'createVmBasedOnTemplate', '')).toMatch(/^OVM-1005/);
    await expect(createVm('jeos', 'web-1')).rejects.toThrow(/^OVM-1007 Template jeos is not approved/);

    await callResults(sim.url, 'ResourceService', 'approveTemplate', tpl('jeos'));
    const templates = await callResults(sim.url, 'ResourceService', 'getAllTemplateResources', POOL);
    expect(
      templates.map((t) => [textOf(t, 'imgName'), statusOf(t), textOf(child(t, 'status'), 'code')]),
    ).toEqual([['jeos', 'ACTIVE', '101']]);
    expect(await callResults(sim.url, 'ResourceService', 'getAllDiscoverableTemplates', POOL)).toEqual([]);

    const created = await createVm(
      'jeos',
      'web-1',
      '<types:memory>512</types:memory><types:cpuNumber>2</types:cpuNumber>',
    );
    expect(statusOf(created)).toBe('CREATING');
    expect(textOf(child(created, 'status'), 'code')).toBe('5');
    const imgId = textOf(created, 'imgId');
    const location = `${imgId}_web-1`;
    expect(textOf(created, 'location')).toBe(location);
    await expect(createVm('jeos', 'web-1')).rejects.toThrow('OVM-1003 Name already in use: web-1');

    let vm = await waitForStatus('web-1', 'POWEREDOFF');
    expect(textOf(vm, 'memory')).toBe('512');
    expect(textOf(vm, 'cpuNumber')).toBe('2');
    const vmDir = join(root, 'running_pool', location);
    const [realPath] = await callResults(
      sim.url,
      'VirtualMachineService',
      'getRealPath',
      echoXml({ ...vm, name: 'vm' }),
    );
    expect(realPath?.text).toBe(vmDir);
    expect((await readdir(vmDir)).sort()).toEqual(['Bootparams.img', 'README', 'System.img', 'vm.cfg']);

    const cfg = await readFile(join(vmDir, 'vm.cfg'), 'utf8');
    expect(cfgValue(cfg, 'name')).toBe(location);
    expect(diskEntries(cfg).map((d) => d.spec)).toEqual([
      `file:${vmDir}/System.img,xvda,w`,
      `file:${vmDir}/Bootparams.img,xvdc,r`,
    ]);
    const mac = firstVifMac(cfg);
    expect(mac).toMatch(/^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
    expect(mac).not.toBe('00:16:3e:00:00:01');
    expect(cfgValue(cfg, 'vif')).toEqual([`mac=${mac}, bridge=xenbr0`]);
    expect(cfgValue(cfg, 'memory')).toBe(512);
    expect(cfgValue(cfg, 'vcpus')).toBe(2);
    expect(cfg).toContain('# template vm.cfg — a comment that must survive\n');
    expect(cfg).toContain("custom_key = 'kept as is'  # trailing comment\n");
    expect(cfg).toContain("bootloader = '/usr/bin/pygrub'\n");
    expect(cfg).toContain("on_crash = 'restart'\n");

    // The boot image IMS would upload, built with core's writer, for the vif's MAC.
    const home = await tempRoot();
    try {
      const image = await defaultHostServices({ home: home.root }).bootImage.build({
        vmName: 'web-1',
        hostname: 'web-1',
        nics: [{ mac: mac ?? '', address: { address: '10.9.8.7', prefix: 24 }, gateway: '10.9.8.1' }],
        dns: ['10.9.8.1'],
        sshKeys: [],
        params: {},
      });
      await writeFile(join(vmDir, 'Bootparams.img'), image);
    } finally {
      await home.cleanup();
    }

    const starting = await powerOp('powerOn', vm);
    expect(statusOf(starting)).toBe('INITIALIZING');
    vm = await waitForStatus('web-1', 'RUNNING');
    expect(Number(textOf(vm, 'poweronTime'))).toBeGreaterThan(0);
    vm = await waitFor('the guest to report its address', async () => {
      const v = await getVm('web-1');
      return textOf(v, 'imgIp') === '' ? undefined : v;
    });
    expect(textOf(vm, 'imgIp')).toBe('10.9.8.7');

    const state = JSON.parse(await readFile(join(root, '.ovm-manager-sim', 'state.json'), 'utf8'));
    expect(state).toMatchObject({
      version: 1,
      vms: [{ imgId: Number(imgId), name: 'web-1', location, status: 'RUNNING', memoryMiB: 512, cpus: 2 }],
    });
    expect(state.vms[0].domId).toBeGreaterThan(0);

    expect(await powerFault('powerOn', vm)).toBe('OVM-1004 Operation powerOn not allowed in state RUNNING');

    expect(statusOf(await powerOp('suspend', vm))).toBe('SUSPENDING');
    vm = await waitForStatus('web-1', 'SUSPENDED');
    expect(statusOf(await powerOp('resume', vm))).toBe('RESUMING');
    vm = await waitForStatus('web-1', 'RUNNING');
    expect(textOf(vm, 'imgIp')).toBe('10.9.8.7');

    expect(statusOf(await powerOp('shutdown', vm))).toBe('SHUTTINGDOWN');
    vm = await waitForStatus('web-1', 'POWEREDOFF');
    expect(textOf(vm, 'imgIp')).toBe('');

    await callResults(
      sim.url,
      'VirtualMachineService',
      'deleteVMByVMId',
      `<types:vmId>${imgId}</types:vmId>`,
    );
    expect(existsSync(vmDir)).toBe(false);
    expect(
      await callFault(
        sim.url,
        'VirtualMachineService',
        'getVMByName',
        `${POOL}<types:name>web-1</types:name>`,
      ),
    ).toBe('OVM-1001 VM not found: web-1');
    expect(sim.vms()).toEqual([]);

    await callResults(sim.url, 'ResourceService', 'deleteTemplate', tpl('jeos'));
    expect(existsSync(join(root, 'seed_pool', 'jeos'))).toBe(false);
    expect(await callResults(sim.url, 'ResourceService', 'getAllTemplateResources', POOL)).toEqual([]);
  });
});

describe('refusals', () => {
  it('refuses operations the state does not allow (OVM-1004)', async () => {
    await writeTemplate(root, 'jeos');
    await registerAndApprove('jeos');
    await createVm('jeos', 'db-1');
    let vm = await waitForStatus('db-1', 'POWEREDOFF');
    for (const op of ['suspend', 'resume', 'pause', 'unpause', 'shutdown', 'powerOff', 'reboot']) {
      expect(await powerFault(op, vm)).toBe(`OVM-1004 Operation ${op} not allowed in state POWEREDOFF`);
    }
    await powerOp('powerOn', vm);
    expect(await powerFault('powerOff', await getVm('db-1'))).toBe(
      'OVM-1004 Operation powerOff not allowed in state INITIALIZING',
    );
    vm = await waitForStatus('db-1', 'RUNNING');
    expect(
      await callFault(
        sim.url,
        'VirtualMachineService',
        'deleteVMByVMId',
        `<types:vmId>${textOf(vm, 'imgId')}</types:vmId>`,
      ),
    ).toBe('OVM-1004 Operation deleteVMByVMId not allowed in state RUNNING');
    expect(await powerFault('resume', vm)).toBe('OVM-1004 Operation resume not allowed in state RUNNING');

    expect(statusOf(await powerOp('pause', vm))).toBe('PAUSED');
    expect(await powerFault('suspend', vm)).toBe('OVM-1004 Operation suspend not allowed in state PAUSED');
    expect(statusOf(await powerOp('unpause', vm))).toBe('RUNNING');
    expect(statusOf(await powerOp('powerOff', vm))).toBe('POWEREDOFF');

    await expect(createVm('nope', 'x')).rejects.toThrow('OVM-1002 Template not found: nope');
    await expect(createVm('jeos', '../escape')).rejects.toThrow(/^OVM-1007 Invalid VM name/);
    expect(await callFault(sim.url, 'ResourceService', 'registerTemplate', tpl('../jeos'))).toBe(
      'OVM-1002 Template not found: ../jeos',
    );
    expect(
      await callFault(
        sim.url,
        'VirtualMachineService',
        'getVM',
        '<types:vm><types:imgId>999</types:imgId></types:vm>',
      ),
    ).toBe('OVM-1001 VM not found: imgId 999');
  });

  it('refuses to power on a VM whose vm.cfg names a missing disk (OVM-1006)', async () => {
    await writeTemplate(root, 'bare', false);
    await registerAndApprove('bare');
    const created = await createVm('bare', 'app-1');
    const vm = await waitForStatus('app-1', 'POWEREDOFF');
    const missing = join(root, 'running_pool', textOf(created, 'location'), 'Bootparams.img');
    expect(await powerFault('powerOn', vm)).toBe(`OVM-1006 Disk missing: ${missing}`);
    expect(statusOf(await getVm('app-1'))).toBe('POWEREDOFF');
  });

  it('boots a guest whose boot image is unreadable without an address, and logs why', async () => {
    await writeTemplate(root, 'jeos');
    await registerAndApprove('jeos');
    await createVm('jeos', 'blank-1');
    const vm = await waitForStatus('blank-1', 'POWEREDOFF');
    await powerOp('powerOn', vm);
    await waitForStatus('blank-1', 'RUNNING');
    await waitFor('the boot log line', async () =>
      logs.find((l) => l.includes('guest booted without an address')),
    );
    expect(textOf(await getVm('blank-1'), 'imgIp')).toBe('');
  });
});
