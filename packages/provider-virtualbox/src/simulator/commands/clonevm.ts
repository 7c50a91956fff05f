import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from '../args.js';
import type { SimContext } from '../context.js';
import { copyDisk, writeDifferencingDisk } from '../disk-image.js';
import { ApiError, UsageError } from '../errors.js';
import { findMachine, requireWriteLock } from '../machines.js';
import type { SimAttachment } from '../state/types.js';
import { sanitizeMachineFilename, writeSettingsFile } from '../vbox-file.js';
import { newVm, randomMac, requireNewSettingsFile, settingsFilePath } from '../vm-factory.js';

const FILE = 'VBoxManageMisc.cpp';
const CLONE_CALL = 'CloneTo(trgMachine, enmMode, ComSafeArrayAsInParam(options), progress.asOutParam())';

/** The image a chain of differencing images starts from (full clones copy its data). */
function chainRoot(ctx: SimContext, path: string): string {
  let current = path;
  for (let hops = 0; hops < 64; hops++) {
    const parent = ctx.store.registry.media[current]?.parent;
    if (!parent) return current;
    current = parent;
  }
  return current;
}

/** `clonevm SRC [--snapshot S] [--options link] --name N [--basefolder D] [--register]`. */
export async function clonevm(ctx: SimContext, argv: string[]): Promise<void> {
  const { positional, options } = parseArgs(
    argv,
    {
      '--snapshot': { value: true },
      '--mode': { value: true },
      '--options': { value: true },
      '--name': { value: true },
      '--groups': { value: true },
      '--basefolder': { value: true },
      '--uuid': { value: true },
      '--register': { value: false },
    },
    'clonevm',
  );
  if (positional.length !== 1) throw new UsageError('Incorrect parameters', 'clonevm');
  const get = (n: string) => options.findLast((o) => o.name === n)?.value;
  const cloneOptions = options
    .filter((o) => o.name === '--options')
    .flatMap((o) => o.value.split(','))
    .map((o) => o.trim().toLowerCase());
  const mode = get('--mode') ?? 'machine';
  if (!['machine', 'machineandchildren', 'all'].includes(mode))
    throw new UsageError(`Invalid clone mode '${mode}'`, 'clonevm');
  const source = findMachine(ctx, positional[0]!, {
    call: 'FindMachine(Bstr(pszSrcName).raw(), srcMachine.asOutParam())',
    line: 562,
    file: FILE,
  });
  // confirmed: reference "Errors and exit codes" (locks linger after power-off; the clone source too)
  requireWriteLock(ctx, source, { call: CLONE_CALL, line: 612, file: FILE });
  const snapshotName = get('--snapshot');
  const snap =
    snapshotName === undefined
      ? undefined
      : source.snapshots.find((s) => s.name === snapshotName || s.uuid === snapshotName);
  if (snapshotName !== undefined && !snap) {
    throw new ApiError(
      `Could not find a snapshot named '${snapshotName}'`,
      'VBOX_E_OBJECT_NOT_FOUND',
      { component: 'Machine', iface: 'IMachine' },
      { call: 'FindSnapshot(Bstr(pszSnapshotName).raw(), srcSnapshot.asOutParam())', line: 575, file: FILE },
    );
  }
  const linked = cloneOptions.includes('link');
  if (linked && !snap) {
    // modelled: MachineImpl CloneTo refusal wording
    throw new ApiError(
      'Linked clone can only be created from a snapshot',
      'E_INVALIDARG',
      { component: 'Machine', iface: 'IMachine' },
      { call: CLONE_CALL, line: 612, file: FILE },
    );
  }
  const name = get('--name') ?? `${source.name} Clone`;
  const cfgFile = settingsFilePath(ctx, name, get('--basefolder'));
  requireNewSettingsFile(
    cfgFile,
    'CreateMachine(bstrSettingsFile.raw(), Bstr(pszTrgName).raw(), ComSafeArrayAsInParam(groups), NULL, Bstr(pszTrgBaseFolder).raw(), trgMachine.asOutParam())',
    596,
  );
  const clone = newVm(ctx, name, cfgFile, source.osType, get('--uuid'));
  const keepAll = cloneOptions.includes('keepallmacs');
  const keepNat = cloneOptions.includes('keepnatmacs');
  Object.assign(clone, {
    memory: source.memory,
    cpus: source.cpus,
    ioapic: source.ioapic,
    boot: [...source.boot],
    controllers: structuredClone(source.controllers),
    // confirmed: reference "Guest IP and boot parameters" (properties are stale in a clone)
    guestProperties: structuredClone(source.guestProperties),
    nics: source.nics.map((nic) => ({
      ...nic,
      mac: keepAll || (keepNat && nic.attachment === 'nat') ? nic.mac : randomMac(),
    })),
  });
  const folder = dirname(cfgFile);
  await mkdir(join(folder, 'Snapshots'), { recursive: true });
  const hddSource = snap ? snap.disks : source.attachments.filter((a) => a.type === 'hdd');
  const attachments: SimAttachment[] = source.attachments
    .filter((a) => a.type !== 'hdd')
    .map((a) => ({ ...a }));
  let diskNo = 0;
  for (const disk of hddSource) {
    if (!disk.medium) continue;
    diskNo++;
    const target = linked
      ? join(folder, 'Snapshots', `{${randomUUID()}}.vdi`)
      : join(folder, `${sanitizeMachineFilename(name)}-disk${diskNo}.vdi`);
    const header = linked
      ? await writeDifferencingDisk(target, disk.medium, 0)
      : await copyDisk(chainRoot(ctx, disk.medium), target);
    ctx.store.registry.media[target] = { uuid: header.uuid, parent: header.parent };
    attachments.push({ ...disk, medium: target, mediumUuid: header.uuid });
  }
  clone.attachments = attachments;
  await writeSettingsFile(clone);
  if (options.some((o) => o.name === '--register')) ctx.store.add(clone);
  ctx.out.progress();
  // confirmed: reference "Output formats" (clonevm success line)
  ctx.out.stdout(`Machine has been successfully cloned as "${name}"\n`);
}
