import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type ParsedOption, parseArgs, parseUint } from '../args.js';
import type { SimContext } from '../context.js';
import { ApiError, UsageError } from '../errors.js';
import { normalizeMac } from '../guest.js';
import { findMachine, requireMutable, requireWriteLock } from '../machines.js';
import { canonicalOsType } from '../ostypes.js';
import type { NicAttachment, SimVm } from '../state/types.js';
import { sanitizeMachineFilename, writeSettingsFile } from '../vbox-file.js';
import { randomMac } from '../vm-factory.js';

const FILE = 'VBoxManageModifyVM.cpp';
const NIC_TYPES: readonly NicAttachment[] = [
  'none',
  'nat',
  'bridged',
  'hostonly',
  'intnet',
  'generic',
  'natnetwork',
];
const ADAPTER_MODELS = ['Am79C970A', 'Am79C973', 'Am79C960', '82540EM', '82543GC', '82545EM', 'virtio'];
const BOOT_DEVICES = ['none', 'floppy', 'dvd', 'disk', 'net'];

function onOff(option: ParsedOption): boolean {
  if (option.value === 'on') return true;
  if (option.value === 'off') return false;
  throw new UsageError(`Invalid ${option.name.slice(2)} argument '${option.value}'`, 'modifyvm');
}

function setterError(message: string, component: string, iface: string, call: string): ApiError {
  return new ApiError(message, 'E_INVALIDARG', { component, iface }, { call, line: 700, file: FILE });
}

function nicSlot(option: ParsedOption): number {
  const n = option.index ?? 0;
  if (n < 1 || n > 8) throw new UsageError(`Invalid NIC number ${n}`, 'modifyvm');
  return n - 1;
}

// modelled: one option applied the way the matching IMachine/INetworkAdapter setter validates it
function applyOption(vm: SimVm, o: ParsedOption): void {
  switch (o.name) {
    case '--name':
      vm.name = o.value;
      return;
    case '--ostype': {
      const os = canonicalOsType(o.value);
      if (!os)
        throw setterError(
          `Guest OS type '${o.value}' is invalid`,
          'Machine',
          'IMachine',
          'COMSETTER(OSTypeId)(Bstr(ValueUnion.psz).raw())',
        );
      vm.osType = os;
      return;
    }
    case '--memory': {
      const mb = parseUint(o.value, o.name, 'modifyvm');
      if (mb < 4 || mb > 2097152) {
        throw setterError(
          `Invalid RAM size: ${mb} MB (must be in range [4, 2097152] MB)`,
          'Machine',
          'IMachine',
          'COMSETTER(MemorySize)(ValueUnion.u32)',
        );
      }
      vm.memory = mb;
      return;
    }
    case '--cpus': {
      const n = parseUint(o.value, o.name, 'modifyvm');
      if (n < 1 || n > 64) {
        throw setterError(
          `Invalid virtual CPU count: ${n} (must be in range [1, 64])`,
          'Machine',
          'IMachine',
          'COMSETTER(CPUCount)(ValueUnion.u32)',
        );
      }
      vm.cpus = n;
      return;
    }
    case '--ioapic':
      vm.ioapic = onOff(o);
      return;
    case '--boot': {
      const n = o.index ?? 0;
      if (n < 1 || n > 4) throw new UsageError(`Invalid boot slot number ${n}`, 'modifyvm');
      if (!BOOT_DEVICES.includes(o.value))
        throw new UsageError(`Invalid boot device '${o.value}'`, 'modifyvm');
      vm.boot[n - 1] = o.value;
      return;
    }
    case '--nic': {
      const slot = nicSlot(o);
      const type = o.value === 'null' ? 'none' : (o.value as NicAttachment);
      if (!NIC_TYPES.includes(type)) {
        // modelled: VBoxManage's own wording, typo included
        throw new UsageError(`Invalid type '${o.value}' specfied for NIC ${slot + 1}`, 'modifyvm');
      }
      vm.nics[slot]!.attachment = type;
      return;
    }
    case '--nictype': {
      const slot = nicSlot(o);
      const model = ADAPTER_MODELS.find((m) => m.toLowerCase() === o.value.toLowerCase());
      if (!model)
        throw new UsageError(`Invalid NIC type '${o.value}' specified for NIC ${slot + 1}`, 'modifyvm');
      vm.nics[slot]!.nicType = model;
      return;
    }
    case '--macaddress': {
      const slot = nicSlot(o);
      if (o.value === 'auto') {
        vm.nics[slot]!.mac = randomMac();
        return;
      }
      // modelled: INetworkAdapter::setMACAddress accepts 12 hex digits, first octet even (unicast)
      if (!/^[0-9a-fA-F]{12}$/.test(o.value) || Number.parseInt(o.value.slice(0, 2), 16) % 2 === 1) {
        throw setterError(
          'Invalid MAC address format',
          'NetworkAdapter',
          'INetworkAdapter',
          'COMSETTER(MACAddress)(Bstr(ValueUnion.psz).raw())',
        );
      }
      vm.nics[slot]!.mac = normalizeMac(o.value);
      return;
    }
    case '--cableconnected':
      vm.nics[nicSlot(o)]!.cable = onOff(o);
      return;
    case '--bridgeadapter':
    case '--hostonlyadapter':
    case '--intnet':
      vm.nics[nicSlot(o)]!.target = o.value;
      return;
    default:
      // accepted and ignored: settings the simulator does not model (--vram, --acpi, --description, ...)
      return;
  }
}

/** Renames the machine folder and settings file along with the VM, as SaveSettings does. */
async function renameFiles(ctx: SimContext, vm: SimVm, oldName: string): Promise<void> {
  const folder = dirname(vm.cfgFile);
  if (basename(folder) !== sanitizeMachineFilename(oldName)) return;
  const safe = sanitizeMachineFilename(vm.name);
  const newFolder = join(dirname(folder), safe);
  if (existsSync(newFolder)) {
    throw new ApiError(
      `Could not rename the directory '${folder}' to '${newFolder}' to save the settings file (VERR_ALREADY_EXISTS)`,
      'VBOX_E_FILE_ERROR',
      { component: 'SessionMachine', iface: 'IMachine' },
      { call: 'SaveSettings()', line: 3183, file: FILE },
    );
  }
  await rename(folder, newFolder);
  await rename(join(newFolder, basename(vm.cfgFile)), join(newFolder, `${safe}.vbox`));
  const move = (p: string) => (p.startsWith(`${folder}/`) ? newFolder + p.slice(folder.length) : p);
  vm.cfgFile = join(newFolder, `${safe}.vbox`);
  for (const a of vm.attachments) if (a.medium) a.medium = move(a.medium);
  for (const s of vm.snapshots) for (const d of s.disks) if (d.medium) d.medium = move(d.medium);
  const media = ctx.store.registry.media;
  for (const [path, info] of Object.entries(media)) {
    delete media[path];
    media[move(path)] = { uuid: info.uuid, parent: info.parent ? move(info.parent) : null };
  }
  await writeSettingsFile(vm);
}

/** 7.x spellings of the indexed options. */
const STEM_ALIASES: Record<string, string> = {
  '--nic-type': '--nictype',
  '--mac-address': '--macaddress',
  '--cable-connected': '--cableconnected',
  '--bridge-adapter': '--bridgeadapter',
  '--host-only-adapter': '--hostonlyadapter',
};

const TABLE = Object.fromEntries(
  [
    ['--name', true],
    ['--ostype', true],
    ['--memory', true],
    ['--cpus', true],
    ['--ioapic', true],
    ['--vram', true],
    ['--acpi', true],
    ['--description', true],
    ['--pae', true],
    ['--hwvirtex', true],
    ['--nestedpaging', true],
    ['--rtcuseutc', true],
    ['--graphicscontroller', true],
    ['--audio', true],
    ['--usb', true],
    ['--firmware', true],
  ].map(([k, v]) => [k as string, { value: v as boolean }]),
);

/** `modifyvm <vm> --memory MiB --cpus N --nic1 nat --nictype1 virtio --macaddress1 MAC ...`. */
export async function modifyvm(ctx: SimContext, argv: string[]): Promise<void> {
  const [target, ...rest] = argv;
  if (target === undefined || rest.length === 0) throw new UsageError('Not enough parameters', 'modifyvm');
  const { positional, options } = parseArgs(rest, TABLE, 'modifyvm', [
    'boot',
    'nic',
    'nictype',
    'nic-type',
    'macaddress',
    'mac-address',
    'cableconnected',
    'cable-connected',
    'bridgeadapter',
    'bridge-adapter',
    'hostonlyadapter',
    'host-only-adapter',
    'intnet',
  ]);
  if (positional.length > 0) throw new UsageError(`Invalid parameter '${positional[0]}'`, 'modifyvm');
  const vm = findMachine(ctx, target, {
    call: 'FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())',
    line: 567,
    file: FILE,
  });
  // confirmed: reference "Errors and exit codes" (modifyvm during the lingering lock fails)
  requireWriteLock(ctx, vm, { call: 'LockMachine(a->session, LockType_Write)', line: 575, file: FILE });
  requireMutable(vm, { call: 'COMSETTER(MemorySize)(ValueUnion.u32)', line: 700, file: FILE });
  // all or nothing: VBoxManage saves the settings only when every option succeeded
  const draft = structuredClone(vm);
  for (const o of options) applyOption(draft, { ...o, name: STEM_ALIASES[o.name] ?? o.name });
  const oldName = vm.name;
  Object.assign(vm, draft);
  if (vm.name !== oldName) await renameFiles(ctx, vm, oldName);
}
