import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SimContext } from './context.js';
import { ApiError } from './errors.js';
import type { SimNic, SimVm } from './state/types.js';
import { sanitizeMachineFilename } from './vbox-file.js';

/** A random MAC in VirtualBox's OUI 08:00:27. */
export function randomMac(): string {
  return `080027${randomBytes(3).toString('hex').toUpperCase()}`;
}

function defaultNics(): SimNic[] {
  // modelled: a new VM has adapter 1 on NAT, the other seven disabled
  return Array.from({ length: 8 }, (_, i) => ({
    attachment: i === 0 ? 'nat' : 'none',
    nicType: '82540EM',
    mac: randomMac(),
    target: '',
    cable: true,
  }));
}

/** Where VirtualBox puts machine folders when no `--basefolder` is given. */
export function defaultBaseFolder(ctx: SimContext): string {
  return join(ctx.settings.home, 'VirtualBox VMs');
}

/** `<basefolder>/<name>/<name>.vbox` with the name made file-safe. */
export function settingsFilePath(ctx: SimContext, name: string, baseFolder: string | undefined): string {
  const base = baseFolder ? resolve(ctx.settings.cwd, baseFolder) : defaultBaseFolder(ctx);
  const safe = sanitizeMachineFilename(name);
  return join(base, safe, `${safe}.vbox`);
}

/** Fails like CreateMachine when the settings file already exists. */
export function requireNewSettingsFile(cfgFile: string, call: string, line: number): void {
  if (!existsSync(cfgFile)) return;
  // confirmed: reference "Output formats" (clonevm: `Machine settings file '…' already exists`)
  throw new ApiError(
    `Machine settings file '${cfgFile}' already exists`,
    'VBOX_E_FILE_ERROR',
    { component: 'Machine', iface: 'IMachine', callee: 'IVirtualBox' },
    { call, line, file: 'VBoxManageMisc.cpp' },
  );
}

/** A powered-off VM with VirtualBox's defaults. */
export function newVm(ctx: SimContext, name: string, cfgFile: string, osType: string, uuid?: string): SimVm {
  return {
    uuid: uuid ?? randomUUID(),
    name,
    osType,
    cfgFile,
    memory: 128,
    cpus: 1,
    ioapic: false,
    boot: ['floppy', 'dvd', 'disk', 'none'],
    nics: defaultNics(),
    controllers: [],
    attachments: [],
    snapshots: [],
    currentSnapshot: null,
    state: 'poweroff',
    stateChangedAt: ctx.now,
    lockedUntil: 0,
    startedAt: null,
    bootDueAt: null,
    booted: false,
    acpiOffAt: null,
    guestPlan: null,
    guestProperties: {},
    metrics: null,
  };
}
