import type { SimContext } from '../context.js';
import { UsageError } from '../errors.js';
import { findMachine } from '../machines.js';
import { isSeven } from '../versions.js';

/**
 * Simulator-only `__sim crash <vm>`: the VM process dies. A running VM becomes `aborted`; a VM in
 * saved state (its restore crashed) becomes `aborted-saved` on 7.x, `aborted` before 7.0.
 */
export function simCommand(ctx: SimContext, argv: string[]): void {
  const [verb, target] = argv;
  if (verb !== 'crash' || target === undefined) throw new UsageError('usage: __sim crash <vm>', '__sim');
  const vm = findMachine(ctx, target, {
    call: 'FindMachine(Bstr(name).raw(), machine.asOutParam())',
    line: 1,
    file: 'simulator',
  });
  // modelled: how a VM becomes aborted / aborted-saved (no real VBoxManage command does this)
  const saved = vm.state === 'saved' || vm.state === 'aborted-saved';
  vm.state = saved && isSeven(ctx.version) ? 'aborted-saved' : 'aborted';
  if (!saved) {
    vm.booted = false;
    vm.guestPlan = null;
  }
  vm.stateChangedAt = ctx.now;
  vm.lockedUntil = ctx.now;
  vm.startedAt = null;
  vm.acpiOffAt = null;
}
