import { dirname, join } from 'node:path';
import { parseArgs } from '../args.js';
import { type SimContext, stateChangeTime } from '../context.js';
import { UsageError } from '../errors.js';
import { MachineReadable } from '../machine-readable.js';
import { findMachine } from '../machines.js';
import { osTypeDescription } from '../ostypes.js';
import type { SimVm } from '../state/types.js';
import { isSeven } from '../versions.js';

const FIND_SITE = {
  call: 'FindMachine(Bstr(VMNameOrUuid).raw(), machine.asOutParam())',
  file: 'VBoxManageInfo.cpp',
};

/** Human-readable state names, as VBoxManage prints them in messages and `showvminfo`. */
export function stateLabel(state: SimVm['state']): string {
  return {
    poweroff: 'powered off',
    running: 'running',
    paused: 'paused',
    saved: 'saved',
    aborted: 'aborted',
    'aborted-saved': 'aborted-saved',
  }[state];
}

function storageLines(vm: SimVm, mr: MachineReadable): void {
  vm.controllers.forEach((c, i) => {
    mr.str(`storagecontrollername${i}`, c.name)
      .str(`storagecontrollertype${i}`, c.type)
      .str(`storagecontrollerinstance${i}`, '0')
      .str(`storagecontrollermaxportcount${i}`, String(c.bus === 'ide' ? 2 : 30))
      .str(`storagecontrollerportcount${i}`, String(c.portCount))
      .bool(`storagecontrollerbootable${i}`, c.bootable);
  });
  for (const c of vm.controllers) {
    for (let port = 0; port < c.portCount; port++) {
      for (let device = 0; device < c.devicesPerPort; device++) {
        const a = vm.attachments.find(
          (x) => x.controller === c.name && x.port === port && x.device === device,
        );
        const key = `${c.name}-${port}-${device}`;
        if (!a) {
          mr.str(key, 'none', true);
        } else if (a.medium === null) {
          mr.str(key, 'emptydrive', true);
        } else {
          mr.str(key, a.medium, true);
          mr.str(`${c.name}-ImageUUID-${port}-${device}`, a.mediumUuid ?? '', true);
        }
      }
    }
  }
}

function nicLines(vm: SimVm, mr: MachineReadable): void {
  vm.nics.forEach((nic, i) => {
    const n = i + 1;
    if (nic.attachment === 'none') {
      mr.str(`nic${n}`, 'none');
      return;
    }
    if (nic.attachment === 'nat') mr.str(`natnet${n}`, 'nat');
    if (nic.attachment === 'bridged') mr.str(`bridgeadapter${n}`, nic.target);
    if (nic.attachment === 'hostonly') mr.str(`hostonlyadapter${n}`, nic.target);
    if (nic.attachment === 'intnet') mr.str(`intnet${n}`, nic.target || 'intnet');
    mr.str(`macaddress${n}`, nic.mac)
      .bool(`cableconnected${n}`, nic.cable)
      .str(`nic${n}`, nic.attachment)
      .str(`nictype${n}`, nic.nicType)
      .str(`nicspeed${n}`, '0');
    if (nic.attachment === 'nat') {
      mr.str('mtu', '0')
        .str('sockSnd', '64')
        .str('sockRcv', '64')
        .str('tcpWndSnd', '64')
        .str('tcpWndRcv', '64');
    }
  });
}

function snapshotLines(vm: SimVm, mr: MachineReadable): void {
  let suffix = '';
  let currentNode = '';
  vm.snapshots.forEach((s, i) => {
    // modelled: snapshots form a chain, each the child of the one before ("SnapshotName-1-1")
    suffix = i === 0 ? '' : `${suffix}-1`;
    mr.str(`SnapshotName${suffix}`, s.name).str(`SnapshotUUID${suffix}`, s.uuid);
    if (s.uuid === vm.currentSnapshot) currentNode = `SnapshotName${suffix}`;
  });
  const current = vm.snapshots.find((s) => s.uuid === vm.currentSnapshot);
  if (current) {
    mr.str('CurrentSnapshotName', current.name)
      .str('CurrentSnapshotUUID', current.uuid)
      .str('CurrentSnapshotNode', currentNode);
  }
}

/** `showvminfo --machinereadable` text of a VM. */
export function machineReadableInfo(ctx: SimContext, vm: SimVm): string {
  const v = ctx.version;
  const running = vm.state === 'running' || vm.state === 'paused';
  const folder = dirname(vm.cfgFile);
  const mr = new MachineReadable();
  mr.str('name', vm.name);
  if (v.major >= 5) mr.str('groups', '/');
  mr.str('ostype', osTypeDescription(vm.osType, v));
  if (v.key === '7.1') mr.str('platformArchitecture', 'x86');
  mr.str('UUID', vm.uuid).str('CfgFile', vm.cfgFile).str('SnapFldr', join(folder, 'Snapshots'));
  mr.str('LogFldr', join(folder, 'Logs')).str('hardwareuuid', vm.uuid);
  // confirmed: reference "Output formats" (7.0 prints a bare `Encryption:     disabled` line)
  if (v.key === '7.0') mr.raw('Encryption:     disabled');
  mr.num('memory', vm.memory).str('pagefusion', 'off').num('vram', 16).num('cpuexecutioncap', 100);
  mr.str('hpet', 'off');
  if (v.major >= 6) mr.str('cpu-profile', 'host');
  mr.str('chipset', 'piix3').str('firmware', 'BIOS').num('cpus', vm.cpus).str('pae', 'off');
  mr.str('longmode', 'on').str('triplefaultreset', 'off').str('apic', 'on').str('x2apic', 'on');
  if (v.major >= 6) mr.str('nested-hw-virt', 'off');
  mr.num('cpuid-portability-level', 0).str('bootmenu', 'messageandmenu');
  vm.boot.forEach((b, i) => {
    mr.str(`boot${i + 1}`, b);
  });
  mr.str('acpi', 'on').bool('ioapic', vm.ioapic).str('biosapic', 'apic').num('biossystemtimeoffset', 0);
  mr.str('rtcuseutc', 'off').str('hwvirtex', 'on').str('nestedpaging', 'on').str('largepages', 'off');
  mr.str('vtxvpid', 'on').str('vtxux', 'on').str('paravirtprovider', 'default');
  mr.str('effparavirtprovider', 'kvm');
  mr.str('VMState', vm.state).str('VMStateChangeTime', stateChangeTime(vm.stateChangedAt));
  mr.str('graphicscontroller', v.major >= 6 ? 'vmsvga' : 'vboxvga').num('monitorcount', 1);
  mr.str('accelerate3d', 'off').str('accelerate2dvideo', 'off').str('teleporterenabled', 'off');
  mr.num('teleporterport', 0).str('teleporteraddress', '').str('teleporterpassword', '');
  mr.str('tracing-enabled', 'off').str('tracing-allow-vm-access', 'off').str('tracing-config', '');
  mr.str('autostart-enabled', 'off').num('autostart-delay', 0).str('defaultfrontend', '');
  storageLines(vm, mr);
  nicLines(vm, mr);
  mr.str('hidpointing', 'ps2mouse').str('hidkeyboard', 'ps2kbd');
  for (let i = 1; i <= 4; i++) mr.str(`uart${i}`, 'off');
  mr.str('lpt1', 'off').str('lpt2', 'off').str('audio', 'none').str('clipboard', 'disabled');
  mr.str('draganddrop', 'disabled');
  if (running) {
    mr.str(v.major >= 5 ? 'SessionName' : 'SessionType', 'headless');
    // confirmed: reference "Output formats" (the VideoMode line that is not key=value)
    mr.raw(v.major >= 5 ? 'VideoMode="720,400,0"@0,0 1' : 'VideoMode="720,400,0"');
  }
  mr.str('vrde', 'off').str('usb', 'off').str('ehci', 'off').str('xhci', 'off');
  if (running) {
    mr.num('GuestMemoryBalloon', 0);
    if (vm.booted) {
      mr.str('GuestOSType', 'Linux26_64').num('GuestAdditionsRunLevel', 1);
      // confirmed: reference "Output formats" (`GuestAdditionsFacility_VirtualBox Base Driver=50,<ms>`)
      mr.raw(`GuestAdditionsFacility_VirtualBox Base Driver=50,${vm.bootDueAt ?? ctx.now}`);
    }
  }
  snapshotLines(vm, mr);
  return mr.toString();
}

function humanInfo(ctx: SimContext, vm: SimVm): string {
  // modelled: only the head of the human-readable layout
  const since = stateChangeTime(vm.stateChangedAt).slice(0, 23);
  const pad = (label: string) => label.padEnd(isSeven(ctx.version) ? 28 : 17);
  return (
    `${pad('Name:')}${vm.name}\n` +
    `${pad('Guest OS:')}${osTypeDescription(vm.osType, ctx.version)}\n` +
    `${pad('UUID:')}${vm.uuid}\n` +
    `${pad('Config file:')}${vm.cfgFile}\n` +
    `${pad('Memory size')}${vm.memory}MB\n` +
    `${pad('Number of CPUs:')}${vm.cpus}\n` +
    `${pad('State:')}${stateLabel(vm.state)} (since ${since})\n`
  );
}

/** `showvminfo <vm> [--machinereadable]`. */
export function showvminfo(ctx: SimContext, argv: string[]): void {
  const { positional, options } = parseArgs(
    argv,
    { '--machinereadable': { value: false }, '--details': { value: false }, '--log': { value: true } },
    'showvminfo',
  );
  if (positional.length !== 1) throw new UsageError('Incorrect parameters', 'showvminfo');
  // confirmed: reference "Errors and exit codes" (Context of the not-found error in VBoxManageInfo.cpp)
  const vm = findMachine(ctx, positional[0]!, { ...FIND_SITE, line: ctx.version.major >= 6 ? 2781 : 2611 });
  const machineReadable = options.some((o) => o.name === '--machinereadable');
  ctx.out.stdout(machineReadable ? machineReadableInfo(ctx, vm) : humanInfo(ctx, vm));
}
