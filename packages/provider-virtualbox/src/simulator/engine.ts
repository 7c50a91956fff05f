import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { clonevm } from './commands/clonevm.js';
import { controlvm } from './commands/controlvm.js';
import { convertfromraw } from './commands/convertfromraw.js';
import { createvm } from './commands/createvm.js';
import { guestproperty, guestpropertyWait, type StateRunner } from './commands/guestproperty.js';
import { importAppliance } from './commands/import.js';
import { list } from './commands/list.js';
import { metrics } from './commands/metrics.js';
import { modifyvm } from './commands/modifyvm.js';
import { showvminfo } from './commands/showvminfo.js';
import { simCommand } from './commands/sim.js';
import { snapshot } from './commands/snapshot.js';
import { startvm } from './commands/startvm.js';
import { storageattach, storagectl } from './commands/storage.js';
import { unregistervm } from './commands/unregistervm.js';
import type { SimContext } from './context.js';
import { chooseVersion, readSettings, type SimSettings } from './env.js';
import { ApiError, errorLines, formatApiError, PlainError, UsageError } from './errors.js';
import { advance } from './lifecycle.js';
import { Output, type SimResult } from './output.js';
import { acquireLock } from './state/lock.js';
import { peekRegistry, SimStore } from './state/store.js';
import { logo, syntaxErrorText, usageOf } from './usage.js';
import { DEFAULT_VERSION, isSeven, resolveVersion, type SimVersion } from './versions.js';

type Handler = (ctx: SimContext, argv: string[]) => void | Promise<void>;

const COMMANDS: Record<string, Handler> = {
  list,
  showvminfo,
  createvm,
  modifyvm,
  storagectl,
  storageattach,
  convertfromraw,
  convertdd: convertfromraw,
  snapshot,
  clonevm,
  import: importAppliance,
  startvm,
  controlvm,
  unregistervm,
  guestproperty,
  metrics,
  __sim: simCommand,
};

const GLOBAL_FLAGS = ['-q', '--nologo', '-nologo'];
const GLOBAL_WITH_VALUE = ['--settingspw', '--settingspwfile'];

/** Runs a function on the state directory under its lock, after advancing lazy state to "now". */
function stateRunner(settings: SimSettings, version: SimVersion, out: Output): StateRunner {
  return async (fn) => {
    await mkdir(settings.home, { recursive: true });
    const release = await acquireLock(join(settings.home, '.lock'));
    try {
      const store = await SimStore.load(settings.home);
      store.registry.version ??= version.key;
      const now = Date.now();
      for (const vm of store.vms.values()) advance(vm, now, settings);
      const ctx: SimContext = { settings, version, now, out, store };
      try {
        return await fn(ctx);
      } finally {
        await store.save();
      }
    } finally {
      release();
    }
  };
}

function versionOutput(settings: SimSettings, version: SimVersion, out: Output): void {
  // confirmed: reference "Version" (7.0.16+ may print a WARNING: line first when LOGNAME/USER differ);
  // wording as captured in hashicorp/vagrant#13394
  if (isSeven(version) && settings.warnUser) {
    out.stdout('WARNING: Environment variable LOGNAME or USER does not correspond to effective user id.\n');
  }
  out.stdout(`${version.full}\n`);
}

function stripGlobalOptions(argv: readonly string[]): string[] {
  const args = [...argv];
  while (args.length > 0) {
    if (GLOBAL_FLAGS.includes(args[0]!)) args.shift();
    else if (GLOBAL_WITH_VALUE.includes(args[0]!)) args.splice(0, 2);
    else break;
  }
  return args;
}

async function run(
  argv: readonly string[],
  settings: SimSettings,
  out: Output,
  setVersion: (v: SimVersion) => void,
): Promise<number> {
  const stored = settings.home ? (await peekRegistry(settings.home))?.version : undefined;
  const version = chooseVersion(settings, stored ?? undefined);
  if (!version)
    throw new PlainError(
      `simulator: unsupported VBOXSIM_VERSION '${settings.versionSpec}' (use 4.3, 5.2, 6.1, 7.0 or 7.1)`,
    );
  setVersion(version);
  const args = stripGlobalOptions(argv);
  const [command, ...rest] = args;
  if (command === '--version' || command === '-v' || command === '-version' || command === '-V') {
    versionOutput(settings, version, out);
    return 0;
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    out.stdout(`${logo(version)}${usageOf('', version)}`);
    return 0;
  }
  if (!settings.home)
    throw new PlainError('simulator: VBOXSIM_HOME is not set (the directory that holds the simulated state)');
  const runner = stateRunner(settings, version, out);
  if (command === 'guestproperty' && rest[0] === 'wait') {
    await guestpropertyWait(runner, out, rest.slice(1));
    return out.exitCode;
  }
  const handler = COMMANDS[command];
  if (!handler) throw new UsageError(`Invalid command '${command}'`, '');
  await runner((ctx) => handler(ctx, rest));
  return out.exitCode;
}

/** Runs one VBoxManage invocation in-process: exit code, stdout and stderr as the real tool would give. */
export async function runVBoxManage(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<SimResult> {
  const settings = readSettings(env);
  const out = new Output();
  let version = resolveVersion(DEFAULT_VERSION)!;
  try {
    const exitCode = await run(argv, settings, out, (v) => {
      version = v;
    });
    return out.result(exitCode);
  } catch (error) {
    if (error instanceof ApiError) {
      out.stderr(formatApiError(error, version));
      return out.result(1);
    }
    if (error instanceof PlainError) {
      out.stderr(errorLines(error.message));
      return out.result(error.exitCode);
    }
    if (error instanceof UsageError) {
      out.stderr(syntaxErrorText(error.command, error.message, version));
      return out.result(2);
    }
    const message = error instanceof Error ? error.message : String(error);
    out.stderr(errorLines(`simulator: internal failure: ${message}`));
    return out.result(1);
  }
}
