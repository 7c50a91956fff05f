/** Finding VMs, waiting for their state, and the errors about them that several operations share. */
import { ImsError } from '@ims/spi';
import type { OvmEnv } from './env.js';
import type { OvmVirtualMachine } from './manager/types.js';
import { isFault } from './soap/faults.js';
import { type OvmVmState, parseOvmState } from './states.js';

/** First pause between two state polls; it grows to {@link POLL_MAX_MS}. */
const POLL_FIRST_MS = 100;
const POLL_MAX_MS = 1_000;

/** The OVM state of a VM record. */
export function stateOf(vm: OvmVirtualMachine): OvmVmState {
  return parseOvmState(vm.status, vm.statusCode);
}

/** The VM of that name in the configured pool, or `undefined`. */
export async function findVm(env: OvmEnv, name: string): Promise<OvmVirtualMachine | undefined> {
  try {
    return await env.manager.vmByName(env.config.serverPool, name);
  } catch (error) {
    if (isFault(error, 'OVM-1001')) return undefined;
    throw error;
  }
}

/** The VM of that name; `IMS_VM_NOT_FOUND` when the pool has none. */
export async function lookupVm(env: OvmEnv, name: string): Promise<OvmVirtualMachine> {
  const vm = await findVm(env, name);
  if (vm === undefined) throw vmNotFound(name, env.config.serverPool);
  return vm;
}

/** `IMS_VM_NOT_FOUND` for a VM missing from the pool. */
export function vmNotFound(name: string, pool: string): ImsError {
  return new ImsError('IMS_VM_NOT_FOUND', `VM ${name} does not exist in server pool ${pool}.`, {
    hint: 'See `ims vm list`.',
    details: { vm: name, serverPool: pool },
  });
}

/** `IMS_INVALID_STATE` for an operation the VM's state does not allow. */
export function invalidState(name: string, operation: string, state: OvmVmState, hint: string): ImsError {
  return new ImsError('IMS_INVALID_STATE', `Cannot ${operation} VM ${name}: it is ${state}.`, {
    hint,
    details: { vm: name, operation, providerState: state },
  });
}

/** Options of {@link waitForState}. */
export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** What is waited for, for the timeout message (e.g. `power on`). */
  what: string;
  /** The hint of the timeout error. */
  hint: string;
  /** States that end the wait with `IMS_PROVIDER_ERROR` (default: ERROR, unless it is wanted). */
  stopAt?: readonly OvmVmState[];
}

/**
 * Polls the VM until its state is one of `wanted`. A state in `stopAt` (default: ERROR, unless
 * wanted) ends the wait with `IMS_PROVIDER_ERROR`; running out of time with `IMS_TIMEOUT`.
 */
export async function waitForState(
  env: OvmEnv,
  vm: OvmVirtualMachine,
  wanted: readonly OvmVmState[],
  options: WaitOptions,
): Promise<OvmVirtualMachine> {
  const { clock, signal } = env.context;
  const deadline = clock.now() + options.timeoutMs;
  const stopAt = options.stopAt ?? (wanted.includes('ERROR') ? [] : ['ERROR']);
  let current = vm;
  let pause = POLL_FIRST_MS;
  for (;;) {
    const state = stateOf(current);
    if (wanted.includes(state)) return current;
    if (stopAt.includes(state)) {
      throw new ImsError(
        'IMS_PROVIDER_ERROR',
        `VM ${vm.name} went to state ${state} during ${options.what}.`,
        {
          hint: 'Look at the VM in the OVM Manager console and at the Xen logs on dom0 (/var/log/xen).',
          details: { vm: vm.name, providerState: state },
        },
      );
    }
    const left = deadline - clock.now();
    if (left <= 0) {
      throw new ImsError(
        'IMS_TIMEOUT',
        `VM ${vm.name} did not finish ${options.what} within ${formatSeconds(options.timeoutMs)} (it is ${state}).`,
        { hint: options.hint, details: { vm: vm.name, providerState: state, timeoutMs: options.timeoutMs } },
      );
    }
    await clock.sleep(Math.min(pause, left), signal);
    pause = Math.min(POLL_MAX_MS, Math.round(pause * 1.5));
    current = await env.manager.refresh(current);
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
