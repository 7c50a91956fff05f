import type { SimContext } from '../context.js';
import { ApiError, UsageError } from '../errors.js';
import { planGuestNetwork } from '../guest.js';
import { findMachine, isSessionLocked } from '../machines.js';
import { startVmLog } from '../vm-logs.js';

const FILE = 'VBoxManageMisc.cpp';

function launchSite(ctx: SimContext) {
  const v = ctx.version;
  if (v.major >= 7)
    return {
      call: 'LaunchVMProcess(a->session, sessionType.raw(), ComSafeArrayAsInParam(aBstrEnv), progress.asOutParam())',
      line: 881,
      file: FILE,
    };
  if (v.major >= 5)
    return {
      call: 'LaunchVMProcess(a->session, sessionType.raw(), ComSafeArrayAsInParam(aBstrEnv), progress.asOutParam())',
      line: 727,
      file: FILE,
    };
  return {
    call: 'LaunchVMProcess(a->session, sessionType.raw(), env.raw(), progress.asOutParam())',
    line: 591,
    file: FILE,
  };
}

/** `startvm <vm>... [--type headless|gui|sdl|separate] [-E NAME=VALUE]`. */
export async function startvm(ctx: SimContext, argv: string[]): Promise<void> {
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const inline = /^--type[=:](.*)$/.exec(arg);
    if (arg === '--type' || arg === '-type' || inline) {
      const type = inline ? inline[1] : argv[++i];
      if (type === undefined || !['gui', 'headless', 'sdl', 'separate', 'vrdp', 'capture'].includes(type)) {
        throw new UsageError(`Invalid session type '${type ?? ''}'`, 'startvm');
      }
    } else if (arg === '--putenv' || arg === '-E') {
      i++;
    } else if (arg.startsWith('-')) {
      throw new UsageError(`Unknown option: ${arg}`, 'startvm');
    } else {
      names.push(arg);
    }
  }
  if (names.length === 0) throw new UsageError('Not enough parameters', 'startvm');
  for (const name of names) {
    const vm = findMachine(ctx, name, {
      call: 'FindMachine(Bstr(VMName).raw(), machine.asOutParam())',
      line: 719,
      file: FILE,
    });
    if (isSessionLocked(ctx, vm)) {
      // confirmed: reference "Errors and exit codes" (message, VBOX_E_INVALID_OBJECT_STATE)
      throw new ApiError(
        `The machine '${vm.name}' is already locked by a session (or being locked or unlocked)`,
        'VBOX_E_INVALID_OBJECT_STATE',
        { component: 'Machine', iface: 'IMachine' },
        launchSite(ctx),
      );
    }
    // confirmed: reference "Output formats" (startvm's two stdout lines)
    ctx.out.stdout(`Waiting for VM "${name}" to power on...\n`);
    const restoring = (vm.state === 'saved' || vm.state === 'aborted-saved') && vm.booted;
    vm.state = 'running';
    vm.stateChangedAt = ctx.now;
    vm.startedAt = ctx.now;
    vm.acpiOffAt = null;
    await startVmLog(vm, ctx.now);
    if (!restoring) {
      vm.booted = false;
      vm.bootDueAt = ctx.now + ctx.settings.bootMs;
      vm.guestPlan = await planGuestNetwork(vm);
    }
    ctx.out.stdout(`VM "${name}" has been successfully started.\n`);
    ctx.store.registry.starts += 1;
    const every = ctx.settings.startExit1Every;
    // confirmed: reference "Output formats" (startvm sometimes exits 1 with the success text)
    if (every > 0 && ctx.store.registry.starts % every === 0) ctx.out.exitCode = 1;
  }
}
