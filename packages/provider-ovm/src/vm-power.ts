/**
 * Start (with fresh boot parameters written as the VM's Bootparams.img), stop (shutdown within a
 * time limit, or power off), suspend and resume, each waiting until the Manager reports the
 * state the operation leads to.
 */
import { posix } from 'node:path';
import { assertValidName, type BootParams, type StartOptions, type StopOptions } from '@ims/spi';
import type { OvmEnv } from './env.js';
import type { PowerOperation } from './manager/api.js';
import type { OvmVirtualMachine } from './manager/types.js';
import type { BootAddress } from './records.js';
import { isFault } from './soap/faults.js';
import { isTransitional, OVM_VM_STATES, type OvmVmState } from './states.js';
import { invalidState, lookupVm, stateOf, waitForState } from './vms.js';

/** How long a VM may take to reach RUNNING after power on. */
const START_TIMEOUT_MS = 5 * 60_000;

/** How long suspend, resume and power off may take, and how long a transition under way is waited for. */
const TRANSITION_TIMEOUT_MS = 2 * 60_000;

/** The name of the boot-parameter disk in a VM's directory (named in the template's vm.cfg). */
export const BOOT_IMAGE_FILE = 'Bootparams.img';

const SETTLED: readonly OvmVmState[] = OVM_VM_STATES.filter((s) => !isTransitional(s));

/** Waits until a transition under way (powering on, shutting down, copying, ...) has ended. */
export function settle(
  env: OvmEnv,
  vm: OvmVirtualMachine,
  timeoutMs = TRANSITION_TIMEOUT_MS,
): Promise<OvmVirtualMachine> {
  if (!isTransitional(stateOf(vm))) return Promise.resolve(vm);
  return waitForState(env, vm, SETTLED, {
    timeoutMs,
    what: `its ${stateOf(vm)} transition`,
    hint: 'Look at the VM in the OVM Manager console; try again once it has settled.',
    stopAt: [],
  });
}

/** Starts a stopped VM with its boot parameters; a running VM is left alone. */
export async function startVm(env: OvmEnv, name: string, options: StartOptions): Promise<void> {
  assertValidName('vm', name);
  let vm = await settle(env, await lookupVm(env, name));
  const state = stateOf(vm);
  if (state === 'RUNNING') return;
  if (state === 'SUSPENDED' || state === 'PAUSED') {
    throw invalidState(name, 'start', state, `Resume it with \`ims vm resume ${name}\`.`);
  }
  if (state !== 'POWEREDOFF' && state !== 'ERROR') {
    throw invalidState(name, 'start', state, 'Look at the VM in the OVM Manager console.');
  }
  await writeBootImage(env, vm, options.bootParams);
  try {
    vm = await env.manager.power('powerOn', vm);
  } catch (error) {
    // Started by someone else in the meantime: what was asked for holds.
    if (!isFault(error, 'OVM-1004')) throw error;
    vm = await env.manager.refresh(vm);
    if (stateOf(vm) !== 'RUNNING' && stateOf(vm) !== 'INITIALIZING') throw error;
  }
  await waitForState(env, vm, ['RUNNING'], {
    timeoutMs: START_TIMEOUT_MS,
    what: 'power on',
    hint: 'Look at the VM in the OVM Manager console and at the Xen logs on dom0 (/var/log/xen).',
  });
  env.context.logger.info('VM started', { vm: name });
}

/** Replaces the VM's Bootparams.img with the image for this start, and records its static addresses. */
async function writeBootImage(env: OvmEnv, vm: OvmVirtualMachine, params: BootParams): Promise<void> {
  const image = await env.context.bootImage.build(params);
  const dir = await env.manager.realPath(vm);
  await env.dom0.replaceFile(posix.join(dir, BOOT_IMAGE_FILE), image);
  const addresses: Record<string, BootAddress> = {};
  for (const nic of params.nics) {
    if (nic.address !== 'dhcp')
      addresses[nic.mac.toLowerCase()] = { address: nic.address.address, prefix: nic.address.prefix };
  }
  await env.records.change(vm.name, (record) => {
    record.bootAddresses = addresses;
  });
}

/** Stops a VM: forced → power off at once; otherwise a guest shutdown, waited for within the time limit. */
export async function stopVm(env: OvmEnv, name: string, options: StopOptions): Promise<void> {
  assertValidName('vm', name);
  const { clock } = env.context;
  const deadline = clock.now() + options.timeoutMs;
  let vm = await lookupVm(env, name);
  if (options.force) {
    vm = await settle(env, vm);
    if (stateOf(vm) === 'POWEREDOFF') return;
    await powerOff(env, vm);
    env.context.logger.info('VM powered off', { vm: name });
    return;
  }
  vm = await settle(env, vm, Math.max(1, deadline - clock.now()));
  const state = stateOf(vm);
  if (state === 'POWEREDOFF') return;
  if (state === 'ERROR') {
    await powerOff(env, vm);
    return;
  }
  // A paused or suspended guest cannot react to a shutdown request.
  if (state === 'SUSPENDED') vm = await transition(env, vm, 'resume', 'RUNNING');
  if (state === 'PAUSED') vm = await transition(env, vm, 'unpause', 'RUNNING');
  vm = await env.manager.power('shutdown', vm);
  env.context.logger.info('VM shutdown requested', { vm: name });
  await waitForState(env, vm, ['POWEREDOFF'], {
    timeoutMs: Math.max(1, deadline - clock.now()),
    what: 'its shutdown',
    hint: `Give it more time with --timeout, or power it off with \`ims vm stop ${name} --force\`.`,
  });
}

async function powerOff(env: OvmEnv, vm: OvmVirtualMachine): Promise<void> {
  await transition(env, vm, 'powerOff', 'POWEREDOFF');
}

/** One power operation, then waiting for the state it leads to. */
async function transition(
  env: OvmEnv,
  vm: OvmVirtualMachine,
  operation: PowerOperation,
  target: OvmVmState,
): Promise<OvmVirtualMachine> {
  const after = await env.manager.power(operation, vm);
  return waitForState(env, after, [target], {
    timeoutMs: TRANSITION_TIMEOUT_MS,
    what: operation,
    hint: 'Look at the VM in the OVM Manager console and at the Xen logs on dom0 (/var/log/xen).',
  });
}

/** Suspends a running VM. */
export async function suspendVm(env: OvmEnv, name: string): Promise<void> {
  assertValidName('vm', name);
  const vm = await settle(env, await lookupVm(env, name));
  const state = stateOf(vm);
  if (state !== 'RUNNING') throw invalidState(name, 'suspend', state, 'Only a running VM can be suspended.');
  await transition(env, vm, 'suspend', 'SUSPENDED');
}

/** Resumes a suspended (or paused) VM. */
export async function resumeVm(env: OvmEnv, name: string): Promise<void> {
  assertValidName('vm', name);
  const vm = await settle(env, await lookupVm(env, name));
  const state = stateOf(vm);
  if (state === 'SUSPENDED') await transition(env, vm, 'resume', 'RUNNING');
  else if (state === 'PAUSED') await transition(env, vm, 'unpause', 'RUNNING');
  else throw invalidState(name, 'resume', state, 'Only a suspended VM can be resumed.');
}
