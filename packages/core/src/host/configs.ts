import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { assertValidName, type ConnectionInfo, ImsError } from '@ims/spi';
import { compareText } from '../compare-text.js';
import type { ConfigRecord } from '../state/model.js';
import { optionSpecs, splitSecrets, validateConfig } from './config-options.js';
import type { ImsHost } from './ims-host.js';
import { busyError, ownerOf, settleLeftover } from './journal.js';
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
 * options into secrets.json, the rest into state.json. Loads the provider's plugin (exit 4 if broken).
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
  const record: ConfigRecord = {
    name,
    provider: plugin.id,
    options: plain,
    createdAt: new Date().toISOString(),
    schemaDigest: schemaDigest(plugin.configSchema),
    templates: {},
  };
  // Secrets first: a config without its secrets must never be visible. If the state update then
  // fails (name taken), the secrets entry is rolled back.
  const hadSecrets = Object.keys(secrets).length > 0;
  if (hadSecrets) {
    await host.store.updateSecrets((all) => {
      if (!(name in all)) all[name] = secrets;
    });
  }
  try {
    await host.store.update((state) => {
      if (state.configs[name]) {
        throw new ImsError(
          'IMS_ALREADY_EXISTS',
          `A configuration named "${name}" already exists (provider ${state.configs[name].provider}).`,
          {
            hint: 'Pick another name, or delete the old one with `ims config delete`.',
          },
        );
      }
      state.configs[name] = record;
    });
  } catch (error) {
    if (hadSecrets) {
      await host.store.updateSecrets((all) => {
        if (JSON.stringify(all[name]) === JSON.stringify(secrets)) delete all[name];
      });
    }
    throw error;
  }
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
  const current = { ...record.options, ...(await host.store.readSecrets(name)) };
  const complete = await validateConfig(plugin.configSchema, { ...current, ...changes }, plugin.id);
  const { plain, secrets } = splitSecrets(plugin.configSchema, complete);
  const digest = schemaDigest(plugin.configSchema);
  // Secrets first, as at creation: the state never names options whose secrets are not written.
  await host.store.updateSecrets((all) => {
    if (Object.keys(secrets).length > 0) all[name] = secrets;
    else delete all[name];
  });
  let updated: ConfigRecord | undefined;
  let vms = 0;
  await host.store.update((state) => {
    const stored = state.configs[name];
    if (!stored) {
      throw new ImsError('IMS_CONFIG_NOT_FOUND', `No configuration named "${name}".`, {
        hint: 'See `ims config list`.',
      });
    }
    stored.options = plain;
    stored.schemaDigest = digest;
    updated = stored;
    vms = Object.values(state.vms).filter((v) => v.config === name).length;
  });
  return view(updated as ConfigRecord, Object.keys(secrets), vms);
}

/** Every configuration, secrets masked, sorted by name. */
export async function listConfigs(host: ImsHost): Promise<ConfigView[]> {
  const state = await host.store.read();
  const vmsPer = countVms(Object.values(state.vms).map((v) => v.config));
  const views = await Promise.all(
    Object.values(state.configs).map(async (c) =>
      view(c, Object.keys(await host.store.readSecrets(c.name)), vmsPer.get(c.name) ?? 0),
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
  return view(record, Object.keys(await host.store.readSecrets(name)), vms);
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

/** Deletes a configuration, its secrets and its data directory; refused while it still has VMs. */
export async function deleteConfig(host: ImsHost, name: string): Promise<void> {
  assertValidName('configuration', name);
  // What interrupted commands left in this configuration is rolled back while it can still be
  // reached; afterwards nothing could remove it.
  for (const entry of Object.values((await host.store.read()).pending)) {
    if (entry.config === name && ownerOf(entry) === 'dead')
      await settleLeftover(host, entry.kind, name, entry.name);
  }
  await host.store.update((state) => {
    if (!state.configs[name]) {
      throw new ImsError('IMS_CONFIG_NOT_FOUND', `No configuration named "${name}".`, {
        hint: 'See `ims config list`.',
      });
    }
    const busy = Object.values(state.pending).find((p) => p.config === name);
    if (busy !== undefined) throw busyError(busy);
    const vms = Object.values(state.vms)
      .filter((v) => v.config === name)
      .map((v) => v.name);
    if (vms.length > 0) {
      throw new ImsError(
        'IMS_INVALID_STATE',
        `Configuration "${name}" still has ${vms.length} VM(s): ${vms.sort().join(', ')}.`,
        {
          hint: 'Delete them first with `ims vm delete <vm>`.',
        },
      );
    }
    delete state.configs[name];
  });
  await host.store.updateSecrets((all) => {
    delete all[name];
  });
  await rm(join(host.home, 'data', name), { recursive: true, force: true });
}

/** The option specs of a provider, for `--help` and flag parsing. */
export async function providerOptions(host: ImsHost, providerId: string) {
  const plugin = await host.registry.plugin(providerId);
  return { plugin, specs: optionSpecs(plugin.configSchema) };
}
