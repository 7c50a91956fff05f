/**
 * A VirtualBox provider on the VBoxManage simulator: a temporary directory with the simulator's
 * state (VBOXSIM_HOME), a `VBoxManage` wrapper script with the simulator settings baked in (short
 * delays), an IMS data directory and a VM folder, and a way to look at the simulator directly.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProviderContext } from '@ims/core';
import type { CommandRunner, Provider, ProviderContext, VmCreated } from '@ims/spi';
import type { VirtualBoxConfig } from '../src/config.js';
import plugin from '../src/index.js';
import { tinyTemplate } from './tiny-template.js';

/** The versions the simulator imitates. */
export const SIM_VERSIONS = ['4.3', '5.2', '6.1', '7.0', '7.1'] as const;

/** One of {@link SIM_VERSIONS}. */
export type SimVersion = (typeof SIM_VERSIONS)[number];

/** Simulator delays short enough for tests (ms). */
export const FAST_SIM_ENV: Readonly<Record<string, string>> = {
  VBOXSIM_LOCK_LINGER_MS: '250',
  VBOXSIM_BOOT_MS: '150',
  VBOXSIM_ACPI_MS: '150',
};

const SIMULATOR_DIST = join(import.meta.dirname, '..', 'dist', 'simulator', 'cli.js');

interface SimulatorModule {
  runVBoxManage(
    argv: readonly string[],
    env: NodeJS.ProcessEnv,
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  writeVBoxManageWrapper(options: {
    dir: string;
    home: string;
    version: string;
    env?: Record<string, string>;
  }): Promise<string>;
}

/** The simulator's API, failing with what to do when its build is missing. */
export async function loadSimulator(): Promise<SimulatorModule> {
  const source = join(import.meta.dirname, '..', 'src', 'simulator', 'index.ts');
  if (!existsSync(source)) {
    throw new Error(`The VBoxManage simulator is missing: ${source} does not exist.`);
  }
  if (!existsSync(SIMULATOR_DIST)) {
    throw new Error(
      `The VBoxManage simulator is not built: ${SIMULATOR_DIST} is missing. Build it with ` +
        '`npx tsc -p packages/provider-virtualbox/tsconfig.json` (its wrapper script runs the compiled simulator).',
    );
  }
  return (await import('../src/simulator/index.js')) as SimulatorModule;
}

/** Result of running the simulator's VBoxManage directly. */
export interface SimRun {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** A provider on the simulator. */
export interface SimFixture {
  /** The temporary directory holding everything. */
  dir: string;
  /** The simulator's state directory. */
  home: string;
  /** The VBoxManage wrapper the provider runs. */
  vboxManage: string;
  /** The VM folder of the configuration. */
  vmFolder: string;
  /** The IMS data directory. */
  dataDir: string;
  /** The options the provider was made with. */
  config: VirtualBoxConfig;
  /** Its context (real host services). */
  context: ProviderContext;
  /** The provider. */
  provider: Provider;
  /**
   * Another provider of the same configuration whose VBoxManage runs the simulator inside this
   * process (no process start per call): for preparing many VMs quickly.
   */
  inProcessProvider(): Promise<Provider>;
  /** Runs the simulator's VBoxManage directly, to look behind the provider. */
  vbox(args: readonly string[]): Promise<SimRun>;
  /** Closes the provider and removes the directory. */
  teardown(): Promise<void>;
}

/** Options of {@link createSimFixture}. */
export interface SimFixtureOptions {
  /** Version to imitate. */
  version: SimVersion;
  /** Start of the temporary directory's name. */
  prefix: string;
  /** More VBOXSIM_* settings (override {@link FAST_SIM_ENV}). */
  env?: Record<string, string>;
  /** Options that differ from the test defaults. */
  config?: Partial<VirtualBoxConfig>;
  /** Wrap the simulator in a script that logs every call's first two arguments here. */
  callLog?: boolean;
  /** VM folder name inside the fixture directory (to test paths with odd characters). */
  vmFolderName?: string;
}

/** Runs a program with an argument vector and collects its output. */
export function runArgv(argv: readonly string[], env?: NodeJS.ProcessEnv): Promise<SimRun> {
  return new Promise((resolve) => {
    execFile(
      argv[0] as string,
      argv.slice(1),
      { env: env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The test defaults of a configuration running `vboxManage` locally. */
export function simConfig(vboxManage: string, vmFolder: string, overrides: Partial<VirtualBoxConfig> = {}) {
  const config: VirtualBoxConfig = {
    vboxManage,
    sshUser: 'root',
    sshPort: 22,
    vmFolder,
    nicType: 'virtio',
    lockRetrySeconds: 5,
    commandTimeoutSeconds: 120,
    ...overrides,
  };
  return config;
}

/** Writes a script that appends `$1 $2` of each call to `log`, then runs `target` with all arguments. */
export async function writeCallLogger(dir: string, target: string, log: string): Promise<string> {
  const path = join(dir, 'VBoxManage-logged');
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  await writeFile(
    path,
    `#!/bin/sh\nprintf '%s %s\\n' "$1" "$2" >> ${quote(log)}\nexec ${quote(target)} "$@"\n`,
  );
  await chmod(path, 0o755);
  return path;
}

/** The simulator's state, its VM folder and its VBoxManage wrapper inside a directory. */
interface SimulatorFiles {
  /** The simulator's API. */
  simulator: SimulatorModule;
  /** The simulator's state directory. */
  home: string;
  /** Where wrapper scripts go. */
  bin: string;
  /** The VM folder. */
  vmFolder: string;
  /** The VBoxManage wrapper running the simulator with `env`. */
  wrapper: string;
  /** The VBOXSIM_* settings baked into the wrapper. */
  env: Record<string, string>;
}

/** Makes the simulator's state directory, a VM folder (and `moreDirs`) and a VBoxManage wrapper in `dir`. */
async function setUpSimulator(
  dir: string,
  options: Pick<SimFixtureOptions, 'version' | 'env' | 'vmFolderName'>,
  moreDirs: readonly string[] = [],
): Promise<SimulatorFiles> {
  const simulator = await loadSimulator();
  const home = join(dir, 'sim-home');
  const bin = join(dir, 'bin');
  const vmFolder = join(dir, options.vmFolderName ?? 'vms');
  await Promise.all([home, bin, vmFolder, ...moreDirs].map((d) => mkdir(d, { recursive: true })));
  const env = { ...FAST_SIM_ENV, ...options.env };
  const wrapper = await simulator.writeVBoxManageWrapper({ dir: bin, home, version: options.version, env });
  return { simulator, home, bin, vmFolder, wrapper, env };
}

/** What a test of the built `ims` CLI needs: an IMS home and a simulator for its configurations. */
export interface SimCliSetup {
  /** The temporary directory holding everything. */
  dir: string;
  /** The IMS home to run `ims` with (not made: `ims` makes it). */
  home: string;
  /** The VM folder for `--vm-folder`. */
  vmFolder: string;
  /** The VBoxManage wrapper for `--vbox-manage`. */
  vboxManage: string;
}

/** Makes a temporary directory with a simulator for CLI tests; the caller removes `dir`. */
export async function createSimCliSetup(
  options: Pick<SimFixtureOptions, 'version' | 'prefix' | 'vmFolderName'>,
): Promise<SimCliSetup> {
  const dir = await mkdtemp(join(tmpdir(), `ims-vbox-${options.prefix}-`));
  try {
    const { vmFolder, wrapper } = await setUpSimulator(dir, options);
    return { dir, home: join(dir, 'home'), vmFolder, vboxManage: wrapper };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Makes the simulator's state, its wrapper and a provider running it locally. */
export async function createSimFixture(options: SimFixtureOptions): Promise<SimFixture> {
  const dir = await mkdtemp(join(tmpdir(), `ims-vbox-${options.prefix}-`));
  try {
    const dataDir = join(dir, 'ims', 'data');
    const { simulator, home, bin, vmFolder, wrapper, env } = await setUpSimulator(dir, options, [dataDir]);
    const vboxManage = options.callLog
      ? await writeCallLogger(bin, wrapper, join(dir, 'calls.log'))
      : wrapper;
    const config = simConfig(vboxManage, vmFolder, options.config);
    const context = createProviderContext({ home: join(dir, 'ims'), configName: options.prefix, dataDir });
    const provider = await plugin.create(context, config);
    return {
      dir,
      home,
      vboxManage,
      vmFolder,
      dataDir,
      config,
      context,
      provider,
      vbox: (args) => runArgv([wrapper, ...args]),
      async inProcessProvider() {
        const simEnv = { ...process.env, ...env, VBOXSIM_HOME: home, VBOXSIM_VERSION: options.version };
        const localRunner: CommandRunner = {
          target: 'local',
          async run(argv) {
            const result = await simulator.runVBoxManage(argv.slice(1), simEnv);
            return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
          },
        };
        return plugin.create({ ...context, localRunner }, config);
      },
      async teardown() {
        await provider.close().catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Imports the tiny template as `tiny` and creates a stopped VM of it with one CPU, 64 MiB and one NIC. */
export async function createTinyVm(fixture: SimFixture, name = 'web-1'): Promise<VmCreated> {
  await fixture.provider.importTemplate({ name: 'tiny', ...(await tinyTemplate(fixture.dir)) });
  return fixture.provider.createVm({ name, template: 'tiny', cpus: 1, memoryMiB: 64, nics: [{}] });
}
