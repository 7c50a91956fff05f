import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { assertValidName, type ConnectionInfo, ImsError } from '@ims/spi';
import { compareText } from '../compare-text.js';
import type { ConfigRecord, StateV2 } from '../state/model.js';
import { optionSpecs, splitSecrets, validateConfig } from './config-options.js';
import type { ImsHost } from './ims-host.js';
import { busyError, settleLeftover } from './journal.js';
import { ownerOf } from './process-owner.js';
import { schemaDigest } from './schema-digest.js';

/** A configuration as `ims config show` presents it: secrets masked. */
export interface ConfigView {
  /** Name. */
  name: string;
  /** Provider id. */
  provider: string;
  /** Options; secret ones shown as `***`. */
  options: Record<string, unknown>;
  /** Creation time (ISO 8601). */
  createdAt: string;
  /** Number of templates. */
  templates: number;
  /** Number of VMs. */
  vms: number;
}

/** Masks secrets: every secret option that is set shows as `***`. */
function view(record: ConfigRecord, secretNames: readonly string[], vms: number): ConfigView {
  const masked = Object.fromEntries(secretNames.map((k) => [k, '***']));
  return {
    name: record.name,
    provider: record.provider,
    options: { ...record.options, ...masked },
    createdAt: record.createdAt,
    templates: Object.keys(record.templates).length,
    vms,
  };
}

/**
 * Creates a configuration: options checked against the provider's schema (defaults applied), secret
 * options into secrets.json under a new secrets id, the rest into state.json. Loads the provider's plugin (exit 4 if broken).
 */
export async function createConfig(
  host: ImsHost,
  name: string,
  providerId: string,
  options: Record<string, unknown>,
): Promise<ConfigView> {
  assertValidName('configuration', name);
  const plugin = await host.registry.plugin(providerId);
  const complete = await validateConfig(plugin.configSchema, options, plugin.id);
  const { plain, secrets } = splitSecrets(plugin.configSchema, complete);
  // One update: the configuration and its secrets are saved together (see the state store). Its
  // secrets get a fresh id, so nothing left by an earlier configuration of that name is ever seen.
  const record = await host.store.update(async (state, storedSecrets) => {
    if (state.configs[name]) {
      throw new ImsError(
        'IMS_ALREADY_EXISTS',
        `A configuration named "${name}" already exists (provider ${state.configs[name].provider}).`,
        {
          hint: 'Pick another name, or delete the old one with `ims config delete`.',
        },
      );
    }
    // A data directory without a configuration was left by a delete that was killed before
    // removing it: it holds the deleted configuration's provider records, not this one's.
    await rm(join(host.home, 'data', name), { recursive: true, force: true });
    const created: ConfigRecord = {
      name,
      provider: plugin.id,
      secretsId: storedSecrets.add(secrets),
      options: plain,
      createdAt: new Date().toISOString(),
      schemaDigest: schemaDigest(plugin.configSchema),
      templates: {},
    };
    state.configs[name] = created;
    return created;
  });
  return view(record, Object.keys(secrets), 0);
}

/**
 * Changes options of a configuration (a rotated password, a moved VBoxManage): the given options
 * replace the stored ones, the result is checked against the provider's current schema (defaults
 * applied), secrets go to secrets.json. Its templates and VMs stay as they are.
 */
export async function updateConfig(
  host: ImsHost,
  name: string,
  changes: Record<string, unknown>,
): Promise<ConfigView> {
  assertValidName('configuration', name);
  const record = await host.config(name);
  const plugin = await host.registry.plugin(record.provider);
  const current = { ...record.options, ...(await host.store.readSecrets(record)) };
  const complete = await validateConfig(plugin.configSchema, { ...current, ...changes }, plugin.id);
  const { plain, secrets } = splitSecrets(plugin.configSchema, complete);
  const digest = schemaDigest(plugin.configSchema);
  let updated: ConfigRecord | undefined;
  let vms = 0;
  // Options and secrets change in one update: changed secrets are a new entry the configuration
  // switches to, and the old entry goes with the same update.
  await host.store.update((state, storedSecrets) => {
    const stored = state.configs[name];
    if (!stored) {
      throw new ImsError('IMS_CONFIG_NOT_FOUND', `No configuration named "${name}".`, {
        hint: 'See `ims config list`.',
      });
    }
    stored.options = plain;
    stored.schemaDigest = digest;
    if (!sameSecrets(storedSecrets.get(stored.secretsId), secrets)) {
      stored.secretsId = storedSecrets.add(secrets);
    }
    updated = stored;
    vms = Object.values(state.vms).filter((v) => v.config === name).length;
  });
  return view(updated as ConfigRecord, Object.keys(secrets), vms);
}

function sameSecrets(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  );
}

/** Every configuration, secrets masked, sorted by name. */
export async function listConfigs(host: ImsHost): Promise<ConfigView[]> {
  const state = await host.store.read();
  const vmsPer = countVms(Object.values(state.vms).map((v) => v.config));
  const views = await Promise.all(
    Object.values(state.configs).map(async (c) =>
      view(c, Object.keys(await host.store.readSecrets(c)), vmsPer.get(c.name) ?? 0),
    ),
  );
  return views.sort((a, b) => compareText(a.name, b.name));
}

function countVms(configs: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of configs) counts.set(c, (counts.get(c) ?? 0) + 1);
  return counts;
}

/** One configuration, secrets masked; `IMS_CONFIG_NOT_FOUND` if absent. */
export async function showConfig(host: ImsHost, name: string): Promise<ConfigView> {
  assertValidName('configuration', name);
  const record = await host.config(name);
  const state = await host.store.read();
  const vms = Object.values(state.vms).filter((v) => v.config === name).length;
  return view(record, Object.keys(await host.store.readSecrets(record)), vms);
}

/** Connects through the configuration's provider and says what is there. */
export async function testConfig(
  host: ImsHost,
  name: string,
): Promise<ConnectionInfo & { config: string; provider: string }> {
  assertValidName('configuration', name);
  const { provider, record } = await host.provider(name);
  const info = await provider.describe();
  return { config: name, provider: record.provider, ...info };
}

/** What a configuration still holds: its VMs and templates, sorted. */
function contents(state: Readonly<StateV2>, name: string): { vms: string[]; templates: string[] } {
  const vms = Object.values(state.vms)
    .filter((v) => v.config === name)
    .map((v) => v.name)
    .sort(compareText);
  const templates = Object.keys(state.configs[name]?.templates ?? {}).sort(compareText);
  return { vms, templates };
}

function notEmptyError(name: string, held: { vms: string[]; templates: string[] }): ImsError {
  const parts = [
    ...(held.vms.length > 0 ? [`${held.vms.length} VM(s): ${held.vms.join(', ')}`] : []),
    ...(held.templates.length > 0
      ? [`${held.templates.length} template(s): ${held.templates.join(', ')}`]
      : []),
  ];
  return new ImsError('IMS_INVALID_STATE', `Configuration "${name}" still has ${parts.join(' and ')}.`, {
    hint:
      'They live on the hypervisor, and deleting the configuration alone would leave them there. ' +
      'Delete them first (`ims vm delete <vm>`, `ims template delete <config> <template>`), ' +
      `or run \`ims config delete ${name} --force\` to delete them all through the provider.`,
    details: { config: name, ...held },
  });
}

/** What {@link deleteConfig} deleted with the configuration (with `force`). */
export interface DeletedConfig {
  /** The configuration's name. */
  deleted: string;
  /** VMs deleted through the provider. */
  vms: string[];
  /** Templates deleted through the provider. */
  templates: string[];
}

/**
 * Deletes a configuration, its secrets and its data directory. Its VMs and templates live on the
 * hypervisor (a VirtualBox template is a registered VM whose disks are in the data directory), so
 * they must go first: refused while any exist, unless `force`, which deletes each through the
 * provider — VMs (powered off first), then templates — and stops at the first failure; whatever
 * was deleted until then is forgotten, the rest stays as it was.
 */
export async function deleteConfig(
  host: ImsHost,
  name: string,
  options: { force?: boolean } = {},
): Promise<DeletedConfig> {
  assertValidName('configuration', name);
  await host.config(name);
  // What interrupted commands left in this configuration is rolled back while it can still be
  // reached; afterwards nothing could remove it.
  for (const entry of Object.values((await host.store.read()).pending)) {
    if (entry.config === name && ownerOf(entry) === 'dead')
      await settleLeftover(host, entry.kind, name, entry.name);
  }
  const before = await host.store.read();
  const busy = Object.values(before.pending).find((p) => p.config === name);
  if (busy !== undefined) throw busyError(busy);
  const held = contents(before, name);
  if (held.vms.length + held.templates.length > 0) {
    if (options.force !== true) throw notEmptyError(name, held);
    // Loaded here only: they bring the provider machinery that a plain delete does not need.
    const [{ deleteVm }, { deleteTemplate }] = await Promise.all([
      import('./vms.js'),
      import('./templates.js'),
    ]);
    for (const vm of held.vms) await deleteVm(host, vm, { force: true });
    for (const template of held.templates) await deleteTemplate(host, name, template);
  }
  await host.store.update((state) => {
    if (!state.configs[name]) {
      throw new ImsError('IMS_CONFIG_NOT_FOUND', `No configuration named "${name}".`, {
        hint: 'See `ims config list`.',
      });
    }
    const busy = Object.values(state.pending).find((p) => p.config === name);
    if (busy !== undefined) throw busyError(busy);
    // Another command may have added one meanwhile.
    const left = contents(state, name);
    if (left.vms.length + left.templates.length > 0) throw notEmptyError(name, left);
    // Its secrets entry is now named by no configuration: the same update removes it.
    delete state.configs[name];
  });
  await rm(join(host.home, 'data', name), { recursive: true, force: true });
  return { deleted: name, ...held };
}

/** The option specs of a provider, for `--help` and flag parsing. */
export async function providerOptions(host: ImsHost, providerId: string) {
  const plugin = await host.registry.plugin(providerId);
  return { plugin, specs: optionSpecs(plugin.configSchema) };
}
