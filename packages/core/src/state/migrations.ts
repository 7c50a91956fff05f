import { ImsError } from '@ims/spi';
import { checkVmFields, stateV1Problem, stateV2Problem } from './check-state.js';
import {
  type ConfigRecord,
  CURRENT_STATE_VERSION,
  type PendingOperation,
  pendingId,
  type StateV2,
  type VmRecord,
} from './model.js';
import { legacySecretsId } from './secrets-document.js';
import { arrayAt, childPath, fail, firstProblem, isPlainObject, objectAt, stringAt } from './shape.js';
import { stateCorruptError, stateTooNewError } from './state-errors.js';

/** A configuration in the pre-release (version 0) layout. */
export interface ConfigV0 {
  /** Configuration name. */
  name: string;
  /** Provider id. */
  provider: string;
  /** Non-secret provider options. */
  options: Record<string, unknown>;
}

/** A VM in the pre-release (version 0) layout: a version-1 record without a creation time. */
export type VmV0 = Omit<VmRecord, 'createdAt'>;

/** The pre-release state layout: no `version` field, and arrays where version 1 has maps. */
export interface StateV0 {
  /** Configurations, in creation order. */
  configs: ConfigV0[];
  /** VMs, in creation order. */
  vms: VmV0[];
}

/** A configuration in the version-1 layout: a version-2 record without its secrets id. */
export type ConfigV1 = Omit<ConfigRecord, 'secretsId'>;

/** The version-1 layout: `secrets.json` was keyed by configuration name. */
export interface StateV1 {
  /** Always 1. */
  version: 1;
  /** Configurations by name. */
  configs: Record<string, ConfigV1>;
  /** VMs by name. */
  vms: Record<string, VmRecord>;
}

/** What a migration may know about the world, passed in so migrations stay pure. */
export interface MigrationContext {
  /** The time of the migration (ISO 8601), used for timestamps the old layout did not keep. */
  now: string;
}

/** One step from state version `from` to `from + 1`. */
export interface Migration {
  /** The version this step reads. */
  readonly from: number;
  /** The first way `doc` is not a valid document of version `from`, or `undefined`. */
  problem(doc: unknown): string | undefined;
  /** Builds the next version's document; pure, never mutates `doc`. */
  up(doc: unknown, context: MigrationContext): unknown;
}

/** The first way `doc` is not a valid version-0 document, or `undefined` if it is one. */
export function stateV0Problem(doc: unknown): string | undefined {
  return firstProblem(() => {
    const root = objectAt(doc, 'the document');
    const seen = new Set<string>();
    const unique = (name: string, at: string): void => {
      if (seen.has(name)) fail(at, `unique, but ${JSON.stringify(name)} appears twice`);
      seen.add(name);
    };
    arrayAt(root.configs, 'configs').forEach((value, index) => {
      const at = childPath('configs', index);
      const config = objectAt(value, at);
      unique(stringAt(config.name, childPath(at, 'name')), childPath(at, 'name'));
      stringAt(config.provider, childPath(at, 'provider'));
      objectAt(config.options, childPath(at, 'options'));
    });
    seen.clear();
    arrayAt(root.vms, 'vms').forEach((value, index) => {
      const at = childPath('vms', index);
      const vm = objectAt(value, at);
      unique(stringAt(vm.name, childPath(at, 'name')), childPath(at, 'name'));
      checkVmFields(vm, at);
    });
  });
}

/** Version 0 → 1: arrays become maps keyed by name; configurations gain `templates` and timestamps. */
export function migrateV0ToV1(doc: StateV0, context: MigrationContext): StateV1 {
  const configs: Record<string, ConfigV1> = {};
  for (const config of doc.configs) {
    configs[config.name] = {
      name: config.name,
      provider: config.provider,
      options: structuredClone(config.options),
      createdAt: context.now,
      templates: {},
    };
  }
  const vms: Record<string, VmRecord> = {};
  for (const vm of doc.vms) vms[vm.name] = { ...structuredClone(vm), createdAt: context.now };
  return { version: 1, configs, vms };
}

/**
 * Version 1 → 2, two changes:
 *
 * - Each configuration gets the secrets id its `secrets.json` entry is found under. Version 1
 *   keyed secrets by name; the id is derived from the name (see {@link legacySecretsId}), and
 *   `secrets.json` version 1 is read under the same ids, so the two files agree whichever is
 *   rewritten first. Configurations created from now on get random ids.
 * - A journal of unfinished operations. Version 1 kept none, but it recorded a VM before creating
 *   it, with an empty MAC until the provider answered: such a record is a create that never
 *   finished (its process was killed, or is an older IMS that cannot write this version). It
 *   becomes a journal entry without a process (pid 0), which the next command on that VM or
 *   `ims doctor --repair` rolls back, instead of a VM that start, status and delete misreport.
 */
export function migrateV1ToV2(doc: StateV1): StateV2 {
  const configs: Record<string, ConfigRecord> = {};
  for (const [key, config] of Object.entries(doc.configs)) {
    configs[key] = { ...structuredClone(config), secretsId: legacySecretsId(config.name) };
  }
  const vms: Record<string, VmRecord> = {};
  const pending: Record<string, PendingOperation> = {};
  for (const [key, vm] of Object.entries(structuredClone(doc.vms))) {
    if (!vm.nics.some((nic) => nic.mac === '')) {
      vms[key] = vm;
      continue;
    }
    const id = pendingId('vm-create', vm.config, vm.name);
    pending[id] = {
      id,
      kind: 'vm-create',
      config: vm.config,
      name: vm.name,
      template: vm.template,
      pid: 0,
      hostname: '',
      token: 'state-version-1',
      startedAt: vm.createdAt,
    };
  }
  return { version: 2, configs, vms, pending };
}

/** Every migration in order; `MIGRATIONS[n]` reads version `n`. Adding version 3 is one more entry. */
export const MIGRATIONS: readonly Migration[] = [
  { from: 0, problem: stateV0Problem, up: (doc, context) => migrateV0ToV1(doc as StateV0, context) },
  { from: 1, problem: stateV1Problem, up: (doc) => migrateV1ToV2(doc as StateV1) },
];

/** Where a state document came from, for error messages. */
export interface StateSource {
  /** Path of the file the text was read from. */
  path: string;
  /** Returns the backup's path if a backup exists; asked only when the document is corrupt. */
  findBackup?: () => string | undefined;
  /** The migration time; default now. */
  now?: () => Date;
}

/** A loaded state document and the version it had on disk. */
export interface LoadedState {
  /** The document, migrated to the current version. */
  state: StateV2;
  /** The version found on disk (0 for a document without `version`). */
  diskVersion: number;
}

/**
 * Parses `state.json` text, migrating older versions to the current one.
 * Throws `IMS_STATE_TOO_NEW` for a newer version and `IMS_STATE_CORRUPT` for bad JSON or shape.
 */
export function loadStateDocument(text: string, source: StateSource): LoadedState {
  const corrupt = (why: string, cause?: unknown) =>
    stateCorruptError(source.path, why, { backupPath: source.findBackup?.(), cause });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw corrupt(`it is not valid JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  if (!isPlainObject(doc)) throw corrupt('the top level is not a JSON object');
  const diskVersion = doc.version ?? 0;
  if (typeof diskVersion !== 'number' || !Number.isSafeInteger(diskVersion) || diskVersion < 0) {
    throw corrupt('"version" is not a non-negative integer');
  }
  if (diskVersion > CURRENT_STATE_VERSION) {
    throw stateTooNewError(source.path, diskVersion, CURRENT_STATE_VERSION);
  }
  const context: MigrationContext = { now: (source.now?.() ?? new Date()).toISOString() };
  let current: unknown = doc;
  for (let version = diskVersion; version < CURRENT_STATE_VERSION; version++) {
    const migration = MIGRATIONS[version];
    if (migration?.from !== version) {
      throw new ImsError('IMS_INTERNAL', `No migration reads state version ${version}.`, {
        hint: 'This is a bug in IMS; please report it.',
      });
    }
    const problem = migration.problem(current);
    if (problem !== undefined) throw corrupt(`${problem} (state version ${version})`);
    current = migration.up(current, context);
  }
  const problem = stateV2Problem(current);
  if (problem !== undefined) throw corrupt(problem);
  return { state: current as StateV2, diskVersion };
}
