import type { BootParams } from '../bootparams.js';
import { ImsError } from '../errors.js';
import { NAME_PATTERN } from '../names.js';
import type { ProviderPlugin } from '../plugin.js';
import type { Provider } from '../provider.js';

/** What `setup()` hands the kit: a provider instance and what the kit needs to exercise it. */
export interface ConformanceFixture {
  /** The plugin object (the provider package's default export); its shape is one of the checks. */
  plugin: ProviderPlugin;
  /** An instance made by the plugin's `create()`; the kit closes it at the end. */
  provider: Provider;
  /** Name of a template already present on the provider that VMs can be created from. */
  template: string;
  /** An extracted template directory the kit imports under a new name to test import, list and delete. */
  templateDir?: string;
  /** The boot parameters for starting VM `vm` whose first NIC has MAC `mac` (default {@link defaultBootParams}). */
  bootParams?(vm: string, mac: string): BootParams;
  /** Releases what `setup()` made (temporary directories, servers); called after the provider is closed. */
  teardown(): Promise<void>;
}

/** Time limits of the kit's waits, in milliseconds. */
export interface ConformanceTimeouts {
  /** How long a started VM may take to report `running` (default 60 000). */
  bootMs?: number;
  /** How long a graceful stop may take; passed as `timeoutMs` to `stopVm` (default 30 000). */
  stopMs?: number;
  /** How long the guest may take to report its configured address (default 60 000). */
  ipMs?: number;
  /** Budget of any other single provider call: create, import, delete, ... (default 60 000). */
  operationMs?: number;
}

/** Options of {@link conformanceChecks} and {@link runConformanceSuite}. */
export interface ConformanceOptions {
  /** Names the suite in test output, e.g. `libvirt (qemu:///system)`. */
  name: string;
  /** Makes a fresh fixture; called once before the first check. */
  setup(): Promise<ConformanceFixture>;
  /** Time limits; each member has its own default. */
  timeouts?: ConformanceTimeouts;
  /** Start of every VM and template name the kit creates, so they clash with nothing (default `conf`, at most 30 characters). */
  vmPrefix?: string;
  /** Memory of created VMs in MiB (default 128). */
  memoryMiB?: number;
  /** Virtual CPUs of created VMs (default 1). */
  cpus?: number;
}

/** The options with every default filled in. */
export interface ConformanceSettings {
  /** See {@link ConformanceOptions.name}. */
  readonly name: string;
  /** See {@link ConformanceTimeouts.bootMs}. */
  readonly bootMs: number;
  /** See {@link ConformanceTimeouts.stopMs}. */
  readonly stopMs: number;
  /** See {@link ConformanceTimeouts.ipMs}. */
  readonly ipMs: number;
  /** See {@link ConformanceTimeouts.operationMs}. */
  readonly operationMs: number;
  /** See {@link ConformanceOptions.vmPrefix}. */
  readonly vmPrefix: string;
  /** See {@link ConformanceOptions.memoryMiB}. */
  readonly memoryMiB: number;
  /** See {@link ConformanceOptions.cpus}. */
  readonly cpus: number;
}

const MAX_PREFIX_LENGTH = 30;

function positiveInteger(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (Number.isSafeInteger(value) && value > 0) return value;
  throw new ImsError(
    'IMS_INVALID_ARGUMENT',
    `Conformance option ${field} is ${value}; it must be a positive integer.`,
    {
      hint: `Pass a positive integer for ${field}, or leave it out for the default ${fallback}.`,
    },
  );
}

/** Fills in the defaults and refuses options that would make invalid names or nonsense limits. */
export function resolveSettings(options: ConformanceOptions): ConformanceSettings {
  const vmPrefix = options.vmPrefix ?? 'conf';
  if (vmPrefix.length > MAX_PREFIX_LENGTH || !NAME_PATTERN.test(`${vmPrefix}-x`)) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `Conformance option vmPrefix ${JSON.stringify(vmPrefix)} cannot start a valid name.`,
      {
        hint: `Use 1 to ${MAX_PREFIX_LENGTH} characters from [a-zA-Z0-9._-], starting with a letter or digit.`,
      },
    );
  }
  const timeouts = options.timeouts ?? {};
  return {
    name: options.name,
    bootMs: positiveInteger('timeouts.bootMs', timeouts.bootMs, 60_000),
    stopMs: positiveInteger('timeouts.stopMs', timeouts.stopMs, 30_000),
    ipMs: positiveInteger('timeouts.ipMs', timeouts.ipMs, 60_000),
    operationMs: positiveInteger('timeouts.operationMs', timeouts.operationMs, 60_000),
    vmPrefix,
    memoryMiB: positiveInteger('memoryMiB', options.memoryMiB, 128),
    cpus: positiveInteger('cpus', options.cpus, 1),
  };
}

/** The kit's default boot parameters: hostname = VM name, one static NIC, and a user parameter hostile to shells. */
export function defaultBootParams(vm: string, mac: string): BootParams {
  return {
    vmName: vm,
    hostname: vm,
    nics: [{ mac, address: { address: '10.0.2.15', prefix: 24 }, gateway: '10.0.2.2' }],
    dns: ['10.0.2.3'],
    sshKeys: [],
    params: { 'conformance.note': `it's a "quoted" value with $(id) and \`id\`` },
  };
}
