import { parseArgs } from '../args.js';
import type { SimContext } from '../context.js';
import { ApiError, UsageError } from '../errors.js';
import { canonicalOsType } from '../ostypes.js';
import { writeSettingsFile } from '../vbox-file.js';
import { newVm, requireNewSettingsFile, settingsFilePath } from '../vm-factory.js';

/** `createvm --name N [--basefolder DIR] [--ostype T] [--register] [--uuid U]`. */
export async function createvm(ctx: SimContext, argv: string[]): Promise<void> {
  const { positional, options } = parseArgs(
    argv,
    {
      '--name': { value: true },
      '--basefolder': { value: true },
      '--ostype': { value: true },
      '--register': { value: false },
      '--uuid': { value: true },
      '--groups': { value: true },
      '--default': { value: false },
    },
    'createvm',
  );
  if (positional.length > 0) throw new UsageError(`Invalid parameter '${positional[0]}'`, 'createvm');
  const get = (name: string) => options.findLast((o) => o.name === name)?.value;
  const name = get('--name');
  if (name === undefined) throw new UsageError('Parameter --name is required', 'createvm');
  const osTypeArg = get('--ostype') ?? 'Other';
  const osType = canonicalOsType(osTypeArg);
  const createCall =
    'CreateMachine(bstrSettingsFile.raw(), Bstr(pszName).raw(), ComSafeArrayAsInParam(groups), Bstr(pszOsTypeId).raw(), createFlags.raw(), machine.asOutParam())';
  if (!osType) {
    // modelled: wording of the invalid guest OS type error
    throw new ApiError(
      `Guest OS type '${osTypeArg}' is invalid`,
      'E_INVALIDARG',
      { component: 'VirtualBox', iface: 'IVirtualBox' },
      { call: createCall, line: 392, file: 'VBoxManageMisc.cpp' },
    );
  }
  const cfgFile = settingsFilePath(ctx, name, get('--basefolder'));
  requireNewSettingsFile(cfgFile, createCall, 392);
  const vm = newVm(ctx, name, cfgFile, osType, get('--uuid'));
  await writeSettingsFile(vm);
  const register = options.some((o) => o.name === '--register');
  if (register) ctx.store.add(vm);
  // modelled: createvm output as VBoxManageMisc.cpp prints it (created[ and registered], UUID, file)
  ctx.out.stdout(
    `Virtual machine '${name}' is created${register ? ' and registered' : ''}.\nUUID: ${vm.uuid}\nSettings file: '${cfgFile}'\n`,
  );
}
