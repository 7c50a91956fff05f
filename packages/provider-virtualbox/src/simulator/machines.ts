import type { SimContext } from './context.js';
import { ApiError } from './errors.js';
import type { SimVm } from './state/types.js';

const UUID_RE = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

/** Where VBoxManage called FindMachine, for the `Context:` line. */
export interface CallSite {
  /** The call text. */
  call: string;
  /** Source line. */
  line: number;
  /** Source file. */
  file: string;
}

/** Finds a registered VM by UUID (with or without braces) or exact name. */
export function lookupMachine(ctx: SimContext, nameOrUuid: string): SimVm | undefined {
  const uuid = UUID_RE.exec(nameOrUuid)?.[1]?.toLowerCase();
  const all = ctx.store.list();
  if (uuid) {
    const byUuid = all.find((vm) => vm.uuid === uuid);
    if (byUuid) return byUuid;
  }
  return all.find((vm) => vm.name === nameOrUuid);
}

/** Finds a registered VM or fails like IVirtualBox::FindMachine. */
export function findMachine(ctx: SimContext, nameOrUuid: string, site: CallSite): SimVm {
  const vm = lookupMachine(ctx, nameOrUuid);
  if (vm) return vm;
  const uuid = UUID_RE.exec(nameOrUuid)?.[1];
  // confirmed: reference "Errors and exit codes" (the not-found message and its result code)
  const message = uuid
    ? `Could not find a registered machine with UUID {${uuid.toLowerCase()}}`
    : `Could not find a registered machine named '${nameOrUuid}'`;
  throw new ApiError(
    message,
    'VBOX_E_OBJECT_NOT_FOUND',
    { component: 'VirtualBox', iface: 'IVirtualBox' },
    site,
  );
}

/** True while a session holds the VM: it runs, or the lock lingers after power-off/save. */
export function isSessionLocked(ctx: SimContext, vm: SimVm): boolean {
  return vm.state === 'running' || vm.state === 'paused' || ctx.now < vm.lockedUntil;
}

/** Fails like LockMachine when a session holds the VM. */
export function requireWriteLock(ctx: SimContext, vm: SimVm, site: CallSite): void {
  if (!isSessionLocked(ctx, vm)) return;
  // confirmed: reference "Errors and exit codes" (message and VBOX_E_INVALID_OBJECT_STATE)
  throw new ApiError(
    `The machine '${vm.name}' is already locked for a session (or being unlocked)`,
    'VBOX_E_INVALID_OBJECT_STATE',
    { component: 'Machine', iface: 'IMachine' },
    site,
  );
}

/** Fails like the setters of a machine whose state forbids changes (saved state). */
export function requireMutable(vm: SimVm, site: CallSite): void {
  if (vm.state !== 'saved' && vm.state !== 'aborted-saved') return;
  // modelled: Machine::i_checkStateDependency(MutableStateDep) wording
  throw new ApiError(
    `The machine is not mutable (state is ${vm.state === 'saved' ? 'Saved' : 'AbortedSaved'})`,
    'VBOX_E_INVALID_VM_STATE',
    { component: 'SessionMachine', iface: 'IMachine' },
    site,
  );
}
