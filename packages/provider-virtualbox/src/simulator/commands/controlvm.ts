import type { SimContext } from '../context.js';
import { ApiError, PlainError, UsageError } from '../errors.js';
import { endRun } from '../lifecycle.js';
import { findMachine } from '../machines.js';
import type { SimVm } from '../state/types.js';

const FILE = 'VBoxManageControlVM.cpp';

function stateName(vm: SimVm): string {
  return vm.state === 'paused' ? 'Paused' : 'Running';
}

function consoleError(message: string, call: string, line: number): ApiError {
  return new ApiError(
    message,
    'VBOX_E_INVALID_VM_STATE',
    { component: 'Console', iface: 'IConsole' },
    { call, line, file: FILE },
  );
}

/** `controlvm <vm> pause|resume|poweroff|savestate|acpipowerbutton`. */
export function controlvm(ctx: SimContext, argv: string[]): void {
  const [target, action, ...rest] = argv;
  if (target === undefined || action === undefined)
    throw new UsageError('Not enough parameters', 'controlvm');
  const vm = findMachine(ctx, target, {
    call: 'FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())',
    line: 224,
    file: FILE,
  });
  if (vm.state !== 'running' && vm.state !== 'paused') {
    // confirmed: reference "Output formats" (controlvm on a VM that is not running)
    throw new PlainError(`Machine '${target}' is not currently running`);
  }
  if (rest.length > 0) throw new UsageError(`Invalid parameter '${rest[0]}'`, 'controlvm');
  // modelled: Console state-check wording for pause/resume/power button
  switch (action) {
    case 'pause':
      if (vm.state !== 'running')
        throw consoleError(
          `Cannot pause the machine as it is not running (machine state: ${stateName(vm)})`,
          'Pause()',
          271,
        );
      vm.state = 'paused';
      vm.stateChangedAt = ctx.now;
      return;
    case 'resume':
      if (vm.state !== 'paused')
        throw consoleError(
          `Cannot resume the machine as it is not paused (machine state: ${stateName(vm)})`,
          'Resume()',
          280,
        );
      vm.state = 'running';
      vm.stateChangedAt = ctx.now;
      return;
    case 'poweroff':
      ctx.out.progress();
      endRun(vm, 'poweroff', ctx.now, ctx.settings);
      return;
    case 'savestate': {
      ctx.out.progress();
      // the saved state keeps the booted guest; its properties and plan survive a restore
      const { booted, guestPlan, bootDueAt } = vm;
      endRun(vm, 'saved', ctx.now, ctx.settings);
      Object.assign(vm, { booted, guestPlan, bootDueAt });
      return;
    }
    case 'acpipowerbutton':
      if (vm.state !== 'running')
        throw consoleError(`Invalid machine state: ${stateName(vm)}`, 'PowerButton()', 1020);
      // modelled: a guest still booting handles the button once it is up; then shuts down after VBOXSIM_ACPI_MS
      vm.acpiOffAt ??= Math.max(ctx.now, vm.bootDueAt ?? ctx.now) + ctx.settings.acpiMs;
      return;
    default:
      throw new UsageError(`Invalid parameter '${action}'`, 'controlvm');
  }
}
