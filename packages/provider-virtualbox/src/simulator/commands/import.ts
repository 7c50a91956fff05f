import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from '../args.js';
import type { SimContext } from '../context.js';
import { writeDiskFromFile } from '../disk-image.js';
import { ApiError, PlainError, UsageError } from '../errors.js';
import { canonicalOsType } from '../ostypes.js';
import { parseOvf, readTar } from '../ova.js';
import { writeSettingsFile } from '../vbox-file.js';
import { newVm, requireNewSettingsFile, settingsFilePath } from '../vm-factory.js';

const FILE = 'VBoxManageAppliance.cpp';

/** `import FILE.ova [-n] [--vsys 0 --vmname N --cpus N --memory MB --basefolder D]`. */
export async function importAppliance(ctx: SimContext, argv: string[]): Promise<void> {
  const { positional, options } = parseArgs(
    argv,
    {
      '--dry-run': { value: false },
      '-n': { value: false, alias: '--dry-run' },
      '--vsys': { value: true },
      '--vmname': { value: true },
      '--ostype': { value: true },
      '--cpus': { value: true },
      '--memory': { value: true },
      '--basefolder': { value: true },
      '--options': { value: true },
      '--eula': { value: true },
      '--unit': { value: true },
      '--disk': { value: true },
      '--ignore': { value: false },
    },
    'import',
  );
  if (positional.length !== 1) throw new UsageError('Incorrect parameters', 'import');
  const get = (n: string) => options.findLast((o) => o.name === n)?.value;
  const file = positional[0]!;
  const path = resolve(ctx.settings.cwd, file);
  // confirmed: reference "Output formats" (import: `Interpreting FILE...` / `OK.` on stderr)
  ctx.out.progress();
  ctx.out.stderr(`Interpreting ${path}...\n`);
  let entries: Awaited<ReturnType<typeof readTar>>;
  try {
    entries = await readTar(path);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'VERR_FILE_NOT_FOUND'
        : 'VERR_TAR_BAD_CHKSUM_FIELD';
    // modelled: appliance read failure wording
    throw new ApiError(
      `Could not read OVF file '${path}' (${reason})`,
      'VBOX_E_FILE_ERROR',
      { component: 'Appliance', iface: 'IAppliance' },
      { call: 'Read(Bstr(pszAbsFilePath).raw(), progressRead.asOutParam())', line: 471, file: FILE },
    );
  }
  const descriptor = entries.find((e) => e.name.endsWith('.ovf'));
  if (!descriptor) throw new PlainError(`Appliance read failed: no OVF descriptor in '${path}'`);
  const system = parseOvf(descriptor.data.toString('utf8'));
  ctx.out.stderr('OK.\n');
  const name = get('--vmname') ?? system.name;
  const osType = canonicalOsType(get('--ostype') ?? system.osType ?? 'Other') ?? 'Other';
  const cpus = Number(get('--cpus') ?? system.cpus);
  const memory = Number(get('--memory') ?? system.memory);
  const cfgFile = settingsFilePath(ctx, name, get('--basefolder'));
  const folder = dirname(cfgFile);
  // modelled: the dry-run listing (a subset of the real one)
  let text = 'Virtual system 0:\n';
  text += ` 0: Suggested OS type: "${osType}"\n    (change with "--vsys 0 --ostype <type>"; use "list ostypes" to list all possible values)\n`;
  text +=
    get('--vmname') !== undefined
      ? ` 1: VM name specified with --vmname: "${name}"\n`
      : ` 1: Suggested VM name "${name}"\n    (change with "--vsys 0 --vmname <name>")\n`;
  text += ` 2: Number of CPUs: ${cpus}\n    (change with "--vsys 0 --cpus <n>")\n`;
  text += ` 3: Guest memory: ${memory} MB\n    (change with "--vsys 0 --memory <MB>")\n`;
  text += ' 4: Network adapter: orig NAT, config 3, extra slot=0;type=NAT\n';
  text += ' 5: SATA controller, type AHCI\n    (disable with "--vsys 0 --unit 5 --ignore")\n';
  system.disks.forEach((disk, i) => {
    const unit = 6 + i;
    text += ` ${unit}: Hard disk image: source image=${disk}, target path=${join(folder, basename(disk))}, controller=5;channel=${i}\n    (change target path with "--vsys 0 --unit ${unit} --disk path";\n    disable with "--vsys 0 --unit ${unit} --ignore")\n`;
  });
  ctx.out.stdout(text);
  if (options.some((o) => o.name === '--dry-run')) return;
  requireNewSettingsFile(
    cfgFile,
    'ImportMachines(ComSafeArrayAsInParam(options), progress.asOutParam())',
    1123,
  );
  const vm = newVm(ctx, name, cfgFile, osType);
  vm.cpus = cpus;
  vm.memory = memory;
  vm.controllers.push({
    name: 'SATA',
    bus: 'sata',
    type: 'IntelAhci',
    portCount: Math.max(1, system.disks.length),
    devicesPerPort: 1,
    bootable: true,
  });
  await mkdir(folder, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'vboxsim-import-'));
  try {
    for (const [i, disk] of system.disks.entries()) {
      const data = entries.find((e) => e.name === disk || basename(e.name) === disk);
      if (!data)
        throw new PlainError(`Appliance import failed: the disk image '${disk}' is missing from the OVA`);
      const staged = join(scratch, String(i));
      await writeFile(staged, data.data);
      const target = join(folder, basename(disk));
      const header = await writeDiskFromFile(staged, target);
      ctx.store.registry.media[target] = { uuid: header.uuid, parent: null };
      vm.attachments.push({
        controller: 'SATA',
        port: i,
        device: 0,
        type: 'hdd',
        medium: target,
        mediumUuid: header.uuid,
      });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  await writeSettingsFile(vm);
  ctx.store.add(vm);
  ctx.out.progress();
  ctx.out.stdout('Successfully imported the appliance.\n');
}
