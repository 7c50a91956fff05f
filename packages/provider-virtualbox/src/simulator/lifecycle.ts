import type { SimSettings } from './env.js';
import { publishGuestNetwork } from './guest.js';
import type { SimVm, VmState } from './state/types.js';

/** Ends a run: the VM reaches `state` at `atMs` and its session lock lingers a while. */
export function endRun(vm: SimVm, state: VmState, atMs: number, settings: SimSettings): void {
  vm.state = state;
  vm.stateChangedAt = atMs;
  // modelled: the VM process releases its session lock some time after the state change
  vm.lockedUntil = atMs + settings.lockLingerMs;
  vm.startedAt = null;
  vm.bootDueAt = null;
  vm.booted = false;
  vm.acpiOffAt = null;
  vm.guestPlan = null;
}

/**
 * Advances a VM to `now` from its stored timestamps — there is no daemon: the guest's boot and an
 * ACPI shutdown happen "in between" invocations and are applied, in time order, on the next one.
 */
export function advance(vm: SimVm, now: number, settings: SimSettings): void {
  const alive = () => vm.state === 'running' || vm.state === 'paused';
  if (alive() && !vm.booted && vm.bootDueAt !== null && vm.bootDueAt <= now) {
    publishGuestNetwork(vm, vm.bootDueAt);
    vm.booted = true;
  }
  if (vm.state === 'running' && vm.acpiOffAt !== null && vm.acpiOffAt <= now) {
    endRun(vm, 'poweroff', vm.acpiOffAt, settings);
  }
}
