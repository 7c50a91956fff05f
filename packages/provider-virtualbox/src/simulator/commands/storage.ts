import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, parseUint } from '../args.js';
import type { SimContext } from '../context.js';
import { readDiskHeader } from '../disk-image.js';
import { ApiError, UsageError } from '../errors.js';
import { findMachine, requireMutable, requireWriteLock } from '../machines.js';
import type { SimController, SimVm } from '../state/types.js';

const FILE = 'VBoxManageStorageController.cpp';
const FIND = { call: 'FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())', file: FILE };

// modelled: default chipset and port layout of each bus
const BUSES: Record<string, { type: string; ports: number; devices: number }> = {
  ide: { type: 'PIIX4', ports: 2, devices: 2 },
  sata: { type: 'IntelAhci', ports: 30, devices: 1 },
  scsi: { type: 'LsiLogic', ports: 16, devices: 1 },
  sas: { type: 'LsiLogicSas', ports: 8, devices: 1 },
  floppy: { type: 'I82078', ports: 1, devices: 2 },
  pcie: { type: 'NVMe', ports: 1, devices: 1 },
  virtio: { type: 'VirtioSCSI', ports: 1, devices: 1 },
};
const CHIPSETS = [
  'LsiLogic',
  'LsiLogicSas',
  'BusLogic',
  'IntelAhci',
  'PIIX3',
  'PIIX4',
  'ICH6',
  'I82078',
  'USB',
  'NVMe',
  'VirtioSCSI',
];

function controllerNotFound(name: string, line: number): ApiError {
  return new ApiError(
    `Could not find a storage controller named '${name}'`,
    'VBOX_E_OBJECT_NOT_FOUND',
    { component: 'SessionMachine', iface: 'IMachine' },
    { call: 'GetStorageControllerByName(Bstr(pszCtl).raw(), storageCtl.asOutParam())', line, file: FILE },
  );
}

/** `storagectl <vm> --name N [--add BUS] [--controller TYPE] [--portcount N] [--bootable on|off] [--remove]`. */
export function storagectl(ctx: SimContext, argv: string[]): void {
  const [target, ...rest] = argv;
  if (target === undefined) throw new UsageError('Not enough parameters', 'storagectl');
  const { positional, options } = parseArgs(
    rest,
    {
      '--name': { value: true },
      '--add': { value: true },
      '--controller': { value: true },
      '--portcount': { value: true },
      '--bootable': { value: true },
      '--hostiocache': { value: true },
      '--remove': { value: false },
    },
    'storagectl',
  );
  if (positional.length > 0) throw new UsageError(`Invalid parameter '${positional[0]}'`, 'storagectl');
  const get = (n: string) => options.findLast((o) => o.name === n)?.value;
  const name = get('--name');
  if (name === undefined) throw new UsageError('Storage controller name not specified', 'storagectl');
  const vm = findMachine(ctx, target, { ...FIND, line: 853 });
  requireWriteLock(ctx, vm, { call: 'LockMachine(a->session, LockType_Write)', line: 860, file: FILE });
  requireMutable(vm, {
    call: 'AddStorageController(Bstr(pszCtl).raw(), StorageBus_SATA, ctl.asOutParam())',
    line: 900,
    file: FILE,
  });
  const existing = vm.controllers.find((c) => c.name === name);
  if (options.some((o) => o.name === '--remove')) {
    if (!existing) throw controllerNotFound(name, 880);
    vm.controllers = vm.controllers.filter((c) => c !== existing);
    vm.attachments = vm.attachments.filter((a) => a.controller !== name);
    return;
  }
  const bus = get('--add');
  let controller: SimController | undefined = existing;
  if (bus !== undefined) {
    const layout = BUSES[bus.toLowerCase()];
    if (!layout) throw new UsageError(`Invalid --add argument '${bus}'`, 'storagectl');
    if (existing) {
      // modelled: Machine::addStorageController wording
      throw new ApiError(
        `Storage controller named '${name}' already exists`,
        'VBOX_E_OBJECT_IN_USE',
        { component: 'SessionMachine', iface: 'IMachine' },
        {
          call: `AddStorageController(Bstr(pszCtl).raw(), StorageBus_${bus.toUpperCase()}, ctl.asOutParam())`,
          line: 907,
          file: FILE,
        },
      );
    }
    controller = {
      name,
      bus: bus.toLowerCase(),
      type: layout.type,
      portCount: layout.ports,
      devicesPerPort: layout.devices,
      bootable: true,
    };
    vm.controllers.push(controller);
  }
  if (!controller) throw controllerNotFound(name, 960);
  const chipset = get('--controller');
  if (chipset !== undefined) {
    const type = CHIPSETS.find((c) => c.toLowerCase() === chipset.toLowerCase());
    if (!type) throw new UsageError(`Invalid --type argument '${chipset}'`, 'storagectl');
    controller.type = type;
  }
  const ports = get('--portcount');
  if (ports !== undefined) controller.portCount = Math.max(1, parseUint(ports, '--portcount', 'storagectl'));
  const bootable = get('--bootable');
  if (bootable !== undefined) controller.bootable = bootable === 'on';
}

function fileError(path: string): ApiError {
  return new ApiError(
    `Could not find file for the medium '${path}' (VERR_FILE_NOT_FOUND)`,
    'VBOX_E_FILE_ERROR',
    { component: 'Medium', iface: 'IMedium', callee: 'IVirtualBox' },
    {
      call: 'OpenMedium(Bstr(pszMedium).raw(), devTypeRequested, accessType, fForceNewUuidOnOpen, pMedium2Mount.asOutParam())',
      line: 633,
      file: FILE,
    },
  );
}

/** Opens a medium file the way OpenMedium does, registering it; returns its UUID. */
async function openMedium(ctx: SimContext, path: string, type: 'hdd' | 'dvddrive'): Promise<string> {
  if (!existsSync(path) || !statSync(path).isFile()) throw fileError(path);
  const media = ctx.store.registry.media;
  const site = {
    call: 'OpenMedium(Bstr(pszMedium).raw(), devTypeRequested, accessType, fForceNewUuidOnOpen, pMedium2Mount.asOutParam())',
    line: 633,
    file: FILE,
  };
  if (type === 'dvddrive') {
    media[path] ??= { uuid: randomUUID(), parent: null };
    return media[path].uuid;
  }
  const header = await readDiskHeader(path);
  if (!header) {
    // modelled: a file without a disk-image header the simulator knows
    throw new ApiError(
      `Could not get the storage format of the medium '${path}' (VERR_NOT_SUPPORTED)`,
      'VBOX_E_IPRT_ERROR',
      { component: 'Medium', iface: 'IMedium', callee: 'IVirtualBox' },
      site,
    );
  }
  const clash = Object.entries(media).find(([p, m]) => m.uuid === header.uuid && p !== path);
  if (clash) {
    // modelled: a copied image keeps its UUID and cannot be opened next to the original
    throw new ApiError(
      `Cannot register the hard disk '${path}' {${header.uuid}} because a hard disk '${clash[0]}' with UUID {${header.uuid}} already exists`,
      'E_INVALIDARG',
      { component: 'VirtualBox', iface: 'IVirtualBox' },
      site,
    );
  }
  media[path] = { uuid: header.uuid, parent: header.parent };
  return header.uuid;
}

function checkSlot(controller: SimController, port: number, device: number): void {
  if (port < controller.portCount && device < controller.devicesPerPort) return;
  // modelled: Machine::attachDevice range message
  throw new ApiError(
    `The port and/or device parameter are out of range: port=${port} (must be in range [0, ${controller.portCount - 1}]), device=${device} (must be in range [0, ${controller.devicesPerPort - 1}])`,
    'E_INVALIDARG',
    { component: 'SessionMachine', iface: 'IMachine' },
    {
      call: 'AttachDevice(Bstr(pszCtl).raw(), port, device, DeviceType_HardDisk, pMedium2Mount)',
      line: 1048,
      file: FILE,
    },
  );
}

/** `storageattach <vm> --storagectl C --port P --device D --type hdd|dvddrive --medium FILE|emptydrive|none`. */
export async function storageattach(ctx: SimContext, argv: string[]): Promise<void> {
  const [target, ...rest] = argv;
  if (target === undefined) throw new UsageError('Not enough parameters', 'storageattach');
  const { positional, options } = parseArgs(
    rest,
    {
      '--storagectl': { value: true },
      '--port': { value: true },
      '--device': { value: true },
      '--type': { value: true },
      '--medium': { value: true },
      '--mtype': { value: true },
      '--comment': { value: true },
      '--nonrotational': { value: true },
      '--discard': { value: true },
      '--hotpluggable': { value: true },
      '--forceunmount': { value: false },
    },
    'storageattach',
  );
  if (positional.length > 0) throw new UsageError(`Invalid parameter '${positional[0]}'`, 'storageattach');
  const get = (n: string) => options.findLast((o) => o.name === n)?.value;
  const ctlName = get('--storagectl');
  if (ctlName === undefined) throw new UsageError('Storage controller name not specified', 'storageattach');
  const port = parseUint(get('--port') ?? '0', '--port', 'storageattach');
  const device = parseUint(get('--device') ?? '0', '--device', 'storageattach');
  const type = get('--type');
  const medium = get('--medium');
  if (type !== undefined && type !== 'hdd' && type !== 'dvddrive') {
    throw new UsageError(`Invalid --type argument '${type}'`, 'storageattach');
  }
  const vm = findMachine(ctx, target, { ...FIND, line: 343 });
  const running = vm.state === 'running' || vm.state === 'paused';
  // a running VM takes a shared lock (DVD changes); the lingering lock refuses every session
  if (!running)
    requireWriteLock(ctx, vm, { call: 'LockMachine(a->session, LockType_Shared)', line: 350, file: FILE });
  if (!running)
    requireMutable(vm, {
      call: 'AttachDevice(Bstr(pszCtl).raw(), port, device, DeviceType_HardDisk, pMedium2Mount)',
      line: 1048,
      file: FILE,
    });
  const controller = vm.controllers.find((c) => c.name === ctlName);
  if (!controller) throw controllerNotFound(ctlName, 364);
  checkSlot(controller, port, device);
  const current = vm.attachments.find(
    (a) => a.controller === ctlName && a.port === port && a.device === device,
  );
  const kind = (type ?? current?.type ?? 'hdd') as 'hdd' | 'dvddrive';
  if (running && !(kind === 'dvddrive' && current?.type === 'dvddrive')) {
    // modelled: only removable media change while the VM runs
    throw new ApiError(
      `The machine is not mutable (state is ${vm.state === 'running' ? 'Running' : 'Paused'})`,
      'VBOX_E_INVALID_VM_STATE',
      { component: 'SessionMachine', iface: 'IMachine' },
      {
        call: 'AttachDevice(Bstr(pszCtl).raw(), port, device, DeviceType_HardDisk, pMedium2Mount)',
        line: 1048,
        file: FILE,
      },
    );
  }
  if (medium === undefined) throw new UsageError('Missing --medium argument', 'storageattach');
  const keep = (a: (typeof vm.attachments)[number]) => a !== current;
  if (medium === 'none') {
    if (!current) {
      throw new ApiError(
        `No storage device attached to device slot ${device} on port ${port} of controller '${ctlName}'`,
        'VBOX_E_OBJECT_NOT_FOUND',
        { component: 'SessionMachine', iface: 'IMachine' },
        { call: 'DetachDevice(Bstr(pszCtl).raw(), port, device)', line: 412, file: FILE },
      );
    }
    vm.attachments = vm.attachments.filter(keep);
    return;
  }
  if (medium === 'emptydrive') {
    if (kind !== 'dvddrive')
      throw new UsageError('Invalid medium argument for a hard disk: emptydrive', 'storageattach');
    vm.attachments = [
      ...vm.attachments.filter(keep),
      { controller: ctlName, port, device, type: kind, medium: null, mediumUuid: null },
    ];
    return;
  }
  const path = resolve(ctx.settings.cwd, medium);
  const uuid = await openMedium(ctx, path, kind);
  vm.attachments = [
    ...vm.attachments.filter(keep),
    { controller: ctlName, port, device, type: kind, medium: path, mediumUuid: uuid },
  ];
  sortAttachments(vm);
}

function sortAttachments(vm: SimVm): void {
  vm.attachments.sort(
    (a, b) => a.controller.localeCompare(b.controller) || a.port - b.port || a.device - b.device,
  );
}
