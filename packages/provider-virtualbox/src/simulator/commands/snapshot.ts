import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SimContext } from '../context.js';
import { writeDifferencingDisk } from '../disk-image.js';
import { UsageError } from '../errors.js';
import { findMachine, requireWriteLock } from '../machines.js';

const FILE = 'VBoxManageSnapshot.cpp';

/** `snapshot <vm> take NAME [--description D] [--live]`. */
export async function snapshot(ctx: SimContext, argv: string[]): Promise<void> {
  const [target, verb, name, ...rest] = argv;
  if (target === undefined || verb === undefined) throw new UsageError('Not enough parameters', 'snapshot');
  if (verb !== 'take') throw new UsageError(`Invalid parameter '${verb}'`, 'snapshot');
  if (name === undefined) throw new UsageError('Missing snapshot name', 'snapshot');
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--description' || arg === '-d') i++;
    else if (arg !== '--live' && arg !== '--pause')
      throw new UsageError(`Invalid parameter '${arg}'`, 'snapshot');
  }
  const vm = findMachine(ctx, target, {
    call: 'FindMachine(Bstr(a->argv[0]).raw(), pMachine.asOutParam())',
    line: 425,
    file: FILE,
  });
  const running = vm.state === 'running' || vm.state === 'paused';
  // modelled: a running VM is snapshotted online through its own session; otherwise a lock is needed
  if (!running)
    requireWriteLock(ctx, vm, { call: 'LockMachine(a->session, LockType_Shared)', line: 433, file: FILE });
  const uuid = randomUUID();
  const folder = join(dirname(vm.cfgFile), 'Snapshots');
  await mkdir(folder, { recursive: true });
  const disks = vm.attachments.filter((a) => a.type === 'hdd' && a.medium).map((a) => ({ ...a }));
  for (const attachment of vm.attachments) {
    if (attachment.type !== 'hdd' || !attachment.medium) continue;
    // the VM continues on a differencing image; the snapshot keeps the old one read-only
    const diffPath = join(folder, `{${randomUUID()}}.vdi`);
    const header = await writeDifferencingDisk(diffPath, attachment.medium, 0);
    ctx.store.registry.media[diffPath] = { uuid: header.uuid, parent: attachment.medium };
    attachment.medium = diffPath;
    attachment.mediumUuid = header.uuid;
  }
  vm.snapshots.push({ uuid, name, takenAt: ctx.now, disks });
  vm.currentSnapshot = uuid;
  ctx.out.progress();
  // modelled: "Snapshot taken." line (5.x and later)
  if (ctx.version.major >= 5) ctx.out.stdout(`Snapshot taken. UUID: ${uuid}\n`);
}
