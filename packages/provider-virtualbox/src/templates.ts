/**
 * Templates: each raw disk of an ovm-templates template becomes a VDI (`convertfromraw`; on a
 * remote host the raw file is uploaded over SFTP first), attached to a registered template VM
 * `ims-template-<name>` whose snapshot `ims-base` every VM is a linked clone of.
 */
import {
  assertValidName,
  ImsError,
  type TemplateDeleteOptions,
  type TemplateImportRequest,
  type TemplateInfo,
} from '@ims/spi';
import { forCleanup, type ProviderEnv } from './env.js';
import { findVm, listRegistered, showVm } from './machines.js';
import { BASE_SNAPSHOT, rawUploadPath, templateDiskPath, templateFolder, templateVmName } from './names.js';
import type { TemplateDiskRecord, TemplateRecord } from './records.js';
import { readTemplateFiles, type TemplateDiskFile } from './template-files.js';
import { assertSafeVmFolder, unsafeVmFolderReason } from './vm-folder.js';

/** Memory of the template VM itself; every VM gets its own size at creation. */
const TEMPLATE_MEMORY_MIB = 256;

/** Imports a template directory; `IMS_ALREADY_EXISTS` when the name or its VM is taken. Leaves nothing behind on failure. */
export async function importTemplate(
  env: ProviderEnv,
  request: TemplateImportRequest,
): Promise<TemplateInfo> {
  const name = assertValidName('template', request.name);
  assertSafeVmFolder(env.vmFolder, env.context.configName);
  const files = await readTemplateFiles(request.directory, request.metadata);
  const vm = templateVmName(name);
  if ((await env.records.templates.get(name)) !== undefined) throw templateExists(env, name);
  if ((await listRegistered(env)).some((v) => v.name === vm)) {
    // No record names it: `ims template delete` would not know it, so the hint names what works.
    throw templateExists(
      env,
      name,
      `VirtualBox already has a VM named ${vm} that this configuration has no record of`,
      `Import it under another name with --name; if an interrupted import left that VM (its settings are in ${templateFolder(env.vmFolder, name)}) and \`ims doctor --repair\` does not remove it, remove it with \`VBoxManage unregistervm ${vm} --delete\`.`,
    );
  }
  const folder = templateFolder(env.vmFolder, name);
  let registered = false;
  try {
    // Disk files here can only be leftovers of an interrupted import: no VM and no record names
    // them. Only the files IMS names are removed; anything else in the folder stays.
    await removeFiles(env, diskFilesOf(folder));
    await env.host.mkdir(folder);
    const disks = await convertDisks(env, name, folder, files.disks);
    await env.vbox.run([
      'createvm',
      ...flags({ '--name': vm, '--basefolder': folder, '--ostype': 'Linux26_64' }),
      '--register',
    ]);
    registered = true;
    await buildTemplateVm(env, vm, disks);
    await env.vbox.run(['snapshot', vm, 'take', BASE_SNAPSHOT], { vm });
    const info = await showVm(env, vm);
    const record: TemplateRecord = {
      version: 1,
      name,
      vm,
      uuid: info.uuid,
      folder,
      disks,
      importedAt: new Date(env.context.clock.now()).toISOString(),
    };
    if (typeof files.metadata.os === 'string') record.os = files.metadata.os;
    await env.records.templates.put(record);
    env.context.logger.info('template imported', { template: name, vm, target: env.host.target });
    return templateInfo(record);
  } catch (error) {
    // A createvm cancelled after it registered the VM reported nothing: ask. The name was free before.
    const cleanup = forCleanup(env);
    const made = registered || (await findVm(cleanup, vm).catch(() => undefined)) !== undefined;
    await removeQuietly(cleanup, made ? vm : undefined, folder);
    throw error;
  }
}

/** Option pairs as argv: `{ '--memory': '256' }` → `['--memory', '256']`. */
function flags(pairs: Record<string, string>): string[] {
  return Object.entries(pairs).flat();
}

/** Sizes, NIC, controllers and disks of a freshly registered template VM, plus the empty DVD drive. */
async function buildTemplateVm(
  env: ProviderEnv,
  vm: string,
  disks: readonly TemplateDiskRecord[],
): Promise<void> {
  const settings = flags({
    '--memory': String(TEMPLATE_MEMORY_MIB),
    '--cpus': '1',
    '--nic1': 'nat',
    '--nictype1': env.config.nicType,
    '--boot1': 'disk',
    '--ioapic': 'on',
  });
  await env.vbox.run(['modifyvm', vm, ...settings], { vm });
  await env.vbox.run(
    ['storagectl', vm, ...flags({ '--name': 'SATA', '--add': 'sata', '--controller': 'IntelAhci' })],
    {
      vm,
    },
  );
  await env.vbox.run(['storagectl', vm, ...flags({ '--name': 'IDE', '--add': 'ide' })], { vm });
  for (const [port, disk] of disks.entries()) {
    const slot = flags({ '--storagectl': 'SATA', '--port': String(port), '--device': '0', '--type': 'hdd' });
    await env.vbox.run(['storageattach', vm, ...slot, '--medium', disk.path], { vm });
  }
  // An empty drive in the template, so every clone has the slot the boot ISO goes into.
  const dvd = flags({ '--storagectl': 'IDE', '--port': '1', '--device': '0', '--type': 'dvddrive' });
  await env.vbox.run(['storageattach', vm, ...dvd, '--medium', 'emptydrive'], { vm });
}

/** Converts (after uploading, on a remote host) each raw disk into a VDI in the template folder. */
async function convertDisks(
  env: ProviderEnv,
  name: string,
  folder: string,
  disks: readonly TemplateDiskFile[],
): Promise<TemplateDiskRecord[]> {
  const total = disks.reduce((sum, d) => sum + d.sizeBytes, 0);
  const task = env.context.progress.start(
    env.host.isLocal ? `convert template ${name}` : `upload template ${name} to ${env.host.target}`,
    total,
    'bytes',
  );
  const converted: TemplateDiskRecord[] = [];
  let before = 0;
  try {
    for (const disk of disks) {
      const vdi = templateDiskPath(folder, disk.role);
      let source = disk.path;
      if (!env.host.isLocal) {
        source = rawUploadPath(folder, disk.role);
        const done = before;
        await env.host.upload(disk.path, source, (sent) => task.update(done + sent, total));
      }
      await env.vbox.run(['convertfromraw', source, vdi, '--format', 'VDI']);
      // The raw upload was only needed for the conversion.
      if (!env.host.isLocal) await env.host.removeFile(source);
      converted.push({ role: disk.role, path: vdi, sizeBytes: disk.sizeBytes });
      before += disk.sizeBytes;
      task.update(before, total);
    }
  } finally {
    task.done();
  }
  return converted;
}

/** The disk files an import may leave in a template folder: converted VDIs and uploaded raw images. */
function diskFilesOf(folder: string): string[] {
  return (['system', 'application'] as const).flatMap((role) => [
    templateDiskPath(folder, role),
    rawUploadPath(folder, role),
  ]);
}

async function removeFiles(env: ProviderEnv, paths: readonly string[]): Promise<void> {
  for (const path of paths) await env.host.removeFile(path);
}

/**
 * Best-effort removal of what a failed import made: the VM (`--delete` takes its disks, settings,
 * logs and its folder when empty), the disk files IMS names, and the template folder if empty.
 */
async function removeQuietly(env: ProviderEnv, vm: string | undefined, folder: string): Promise<void> {
  const warn = (what: string, error: unknown) =>
    env.context.logger.warn(`could not remove ${what}`, {
      error: error instanceof Error ? error.message : String(error),
    });
  if (vm !== undefined) {
    await env.vbox
      .run(['unregistervm', vm, '--delete'], { vm })
      .catch((error) => warn(`template VM ${vm}`, error));
  }
  await removeFiles(env, diskFilesOf(folder)).catch((error) => warn(`the disks in ${folder}`, error));
  await env.host.removeEmptyFolder(folder).catch((error) => warn(folder, error));
}

/** The templates of this configuration whose VM VirtualBox still has. */
export async function listTemplates(env: ProviderEnv): Promise<TemplateInfo[]> {
  const records = await env.records.templates.all();
  if (records.length === 0) return [];
  const present = new Set((await listRegistered(env)).map((v) => v.uuid));
  return records.filter((r) => present.has(r.uuid)).map(templateInfo);
}

/** Deletes a template's VM, disks and record; refused while a VM of this configuration is cloned from it. */
export async function deleteTemplate(
  env: ProviderEnv,
  name: string,
  options: TemplateDeleteOptions = {},
): Promise<void> {
  assertValidName('template', name);
  assertSafeVmFolder(env.vmFolder, env.context.configName);
  if (options.incomplete) {
    await deleteIncompleteTemplate(env, name);
    return;
  }
  const record = await env.records.templates.get(name);
  if (record === undefined) {
    throw new ImsError(
      'IMS_TEMPLATE_NOT_FOUND',
      `Template ${name} does not exist in this VirtualBox configuration.`,
      {
        hint: 'See `ims template list`.',
        details: { template: name },
      },
    );
  }
  const registered = await listRegistered(env);
  const uuids = new Set(registered.map((v) => v.uuid));
  const users = (await env.records.vms.all())
    .filter((r) => r.template === name && uuids.has(r.uuid))
    .map((r) => r.name);
  if (users.length > 0) {
    throw new ImsError('IMS_INVALID_STATE', `Template ${name} is used by VM(s) ${users.join(', ')}.`, {
      hint: 'Delete those VMs first: they are linked clones of the template’s snapshot.',
      details: { template: name, vms: users },
    });
  }
  // `--delete` removes the template VM's disks, snapshots, settings, logs and, when empty, its folder.
  if (uuids.has(record.uuid)) await env.vbox.run(['unregistervm', record.vm, '--delete'], { vm: record.vm });
  // The disks the record names, should the VM have been unregistered outside IMS; then the
  // folder, only if nothing else is in it.
  await removeFiles(
    env,
    record.disks.map((d) => d.path),
  );
  if (unsafeVmFolderReason(record.folder) === undefined) await env.host.removeEmptyFolder(record.folder);
  await env.records.templates.remove(name);
  env.context.logger.info('template deleted', { template: name });
}

/**
 * Rolls back an import that was interrupted anywhere: the template VM `ims-template-<name>` is this
 * configuration's when its settings are in the template's folder (`createvm --basefolder`), with or
 * without a record; then the disks converted so far, the folder if that empties it, and the record go.
 * `IMS_TEMPLATE_NOT_FOUND` when neither VM nor record was there (a folder alone is removed all the same).
 */
async function deleteIncompleteTemplate(env: ProviderEnv, name: string): Promise<void> {
  const vm = templateVmName(name);
  const folder = templateFolder(env.vmFolder, name);
  const record = await env.records.templates.get(name);
  const info = await findVm(env, vm);
  if (info !== undefined) {
    const inFolder = info.configFile?.startsWith(`${folder}/`) === true;
    if (!(inFolder || (record !== undefined && record.uuid === info.uuid))) {
      throw templateExists(
        env,
        name,
        `its VM ${vm} keeps its settings in ${info.configFile ?? 'an unknown place'}, outside ${folder}: it was not made by this configuration`,
        `Leave it, or if the interrupted import is to be forgotten anyway, remove that VM with \`VBoxManage unregistervm ${vm} --delete\` first.`,
      );
    }
    await env.vbox.run(['unregistervm', vm, '--delete'], { vm });
  }
  // Disks converted before the VM was registered lie in the folder alone: only the files an
  // import names are removed, then the folder if that empties it.
  await removeFiles(env, diskFilesOf(folder));
  if (unsafeVmFolderReason(folder) === undefined) await env.host.removeEmptyFolder(folder);
  if (record !== undefined) await env.records.templates.remove(name);
  if (info === undefined && record === undefined) {
    throw new ImsError(
      'IMS_TEMPLATE_NOT_FOUND',
      `No VM or record of template ${name} exists in this VirtualBox configuration.`,
      { details: { template: name } },
    );
  }
  env.context.logger.info('half-imported template removed', { template: name });
}

function templateExists(env: ProviderEnv, name: string, why?: string, hint?: string): ImsError {
  return new ImsError(
    'IMS_ALREADY_EXISTS',
    `Template ${name} already exists in VirtualBox on ${env.host.target}${why === undefined ? '' : `: ${why}`}.`,
    {
      hint: hint ?? 'Import it under another name, or delete the old one with `ims template delete`.',
      details: { template: name },
    },
  );
}

function templateInfo(record: TemplateRecord): TemplateInfo {
  const info: TemplateInfo = {
    name: record.name,
    sizeBytes: record.disks.reduce((s, d) => s + d.sizeBytes, 0),
  };
  if (record.os !== undefined) info.os = record.os;
  return info;
}
