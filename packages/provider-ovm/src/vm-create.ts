/**
 * Creating a VM: the Manager copies the template into running_pool; then the NIC's MAC is set
 * by editing the copy's vm.cfg (the Manager ignores a MAC asked for at creation and writes a
 * random one), and the VM is recorded as this configuration's.
 */
import { posix } from 'node:path';
import { assertValidName, ImsError, type VmCreated, type VmSpec } from '@ims/spi';
import type { OvmEnv } from './env.js';
import { generateXenMac, normalizeMac } from './mac.js';
import type { OvmVirtualMachine } from './manager/types.js';
import { isFault } from './soap/faults.js';
import { isActiveTemplate } from './states.js';
import { templateNotFound } from './templates.js';
import { setVifMac, VmCfgSyntaxError } from './vm-cfg.js';
import { findVm, stateOf, waitForState } from './vms.js';

/** How long the Manager may take to copy a template (large images on slow storage take minutes). */
const CREATE_TIMEOUT_MS = 30 * 60_000;

/** How long a failed creation waits for the copy to end before deleting the VM. */
const DISCARD_WAIT_MS = 60_000;

/** Creates a stopped VM from a template. */
export async function createVm(env: OvmEnv, spec: VmSpec): Promise<VmCreated> {
  const name = assertValidName('vm', spec.name);
  const template = assertValidName('template', spec.template);
  const mac = macOf(spec);
  const pool = env.config.serverPool;
  const templates = await env.manager.templates(pool);
  if (!templates.some((t) => t.name === template && isActiveTemplate(t.status)))
    throw templateNotFound(template, pool);
  if ((await findVm(env, name)) !== undefined) throw vmExists(name, pool);

  let vm: OvmVirtualMachine;
  try {
    vm = await env.manager.createFromTemplate({
      pool: await env.pool(),
      templateName: template,
      vmName: name,
      memoryMiB: spec.memoryMiB,
      cpus: spec.cpus,
      nics: [{ mac, bridge: env.config.bridge ?? 'xenbr0' }],
    });
  } catch (error) {
    if (isFault(error, 'OVM-1003')) throw vmExists(name, pool);
    if (isFault(error, 'OVM-1002')) throw templateNotFound(template, pool);
    throw error;
  }
  try {
    await env.records.put({
      name,
      imgId: vm.imgId,
      template,
      macs: [mac],
      createdAt: new Date(env.context.clock.now()).toISOString(),
    });
    vm = await waitForState(env, vm, ['POWEREDOFF'], {
      timeoutMs: CREATE_TIMEOUT_MS,
      what: `the copy of template ${template}`,
      hint: 'Look at the copy in the OVM Manager console; delete the VM and try again.',
    });
    await setMac(env, vm, mac);
  } catch (error) {
    await discard(env, vm);
    throw error;
  }
  env.context.logger.info('VM created', { vm: name, template, mac, imgId: vm.imgId });
  return { macs: [mac] };
}

/** Writes the MAC into the VM's vm.cfg, changing nothing else in it. */
async function setMac(env: OvmEnv, vm: OvmVirtualMachine, mac: string): Promise<void> {
  const file = posix.join(await env.manager.realPath(vm), 'vm.cfg');
  const text = (await env.dom0.readFile(file)).toString('utf8');
  let edited: string;
  try {
    edited = setVifMac(text, 0, mac);
  } catch (error) {
    if (!(error instanceof VmCfgSyntaxError)) throw error;
    throw new ImsError(
      'IMS_PROVIDER_ERROR',
      `Cannot set the MAC of VM ${vm.name}: its ${file} cannot be read (${error.message}).`,
      {
        cause: error,
        hint: "Check the template's vm.cfg.",
        details: { vm: vm.name, path: file },
      },
    );
  }
  if (edited !== text) await env.dom0.replaceFile(file, edited);
}

/** Removes a VM whose creation failed, and its record; failures are logged, the original error matters. */
async function discard(env: OvmEnv, vm: OvmVirtualMachine): Promise<void> {
  // Not cancellable: this is the clean-up after a cancel too.
  const { clock } = env.context;
  const deadline = clock.now() + DISCARD_WAIT_MS;
  try {
    let current = await env.manager.refresh(vm, true);
    while (stateOf(current) === 'CREATING' && clock.now() < deadline) {
      await clock.sleep(250);
      current = await env.manager.refresh(current, true);
    }
    await env.manager.deleteVm(current, true);
  } catch (error) {
    if (!isFault(error, 'OVM-1001')) {
      env.context.logger.warn('could not delete the half-created VM', {
        vm: vm.name,
        error: (error as Error).message,
      });
    }
  }
  await env.records.forget(vm.name).catch(() => {});
}

function macOf(spec: VmSpec): string {
  if (spec.nics.length !== 1) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `VM ${spec.name} asks for ${spec.nics.length} NICs; the OVM provider gives a VM exactly one.`,
      { hint: 'Create the VM with one NIC.', details: { vm: spec.name, nics: spec.nics.length } },
    );
  }
  const given = spec.nics[0]?.mac;
  return given === undefined ? generateXenMac() : normalizeMac(given);
}

function vmExists(name: string, pool: string): ImsError {
  return new ImsError('IMS_ALREADY_EXISTS', `VM ${name} already exists in server pool ${pool}.`, {
    hint: 'Choose another name, or delete the existing VM first.',
    details: { vm: name, serverPool: pool },
  });
}
