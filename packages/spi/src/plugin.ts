import type { Static, TObject } from '@sinclair/typebox';
import type { ProviderContext } from './context.js';
import type { Capabilities, Provider } from './provider.js';

/** Brand on every plugin object; a global-registry symbol so it holds across copies of this package. */
export const PROVIDER_PLUGIN_BRAND: unique symbol = Symbol.for('ims.provider-plugin') as never;

/** Version of the plugin object's own shape (not the SPI version). */
export const PROVIDER_PLUGIN_FORMAT = 1;

/** What a provider author writes: the argument of {@link defineProvider}. */
export interface ProviderDefinition<S extends TObject = TObject> {
  /** Provider id; must equal the manifest's `provider`. */
  id: string;
  /** Semver range of SPI versions this code works with; should equal the manifest's `spi`. */
  spi: string;
  /** Human name. */
  displayName?: string;
  /**
   * JSON Schema of the configuration options (build it with `Type` from `@ims/spi/schema`).
   * Each property becomes a `--flag` of `ims config create`; its `description` is the help text;
   * `writeOnly: true` marks a secret (kept in secrets.json, shown as `***`).
   */
  configSchema: S;
  /** Optional operations this provider offers. */
  capabilities: Capabilities;
  /** Makes a provider instance for one configuration. Must not connect yet: connect on first use. */
  create(context: ProviderContext, config: Static<S>): Provider | Promise<Provider>;
}

/** A branded plugin object: the default export of a provider package's entry. */
export interface ProviderPlugin<S extends TObject = TObject> extends Readonly<ProviderDefinition<S>> {
  /** The brand, holding the plugin object format. */
  readonly [PROVIDER_PLUGIN_BRAND]: typeof PROVIDER_PLUGIN_FORMAT;
}

/** Makes the plugin object a provider package exports as its default export. Has no side effects. */
export function defineProvider<S extends TObject>(definition: ProviderDefinition<S>): ProviderPlugin<S> {
  return Object.freeze({
    ...definition,
    [PROVIDER_PLUGIN_BRAND]: PROVIDER_PLUGIN_FORMAT,
  }) as ProviderPlugin<S>;
}

/** Which members of a would-be plugin object are missing or of the wrong type (empty when it is a plugin). */
export function pluginShapeProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null)
    return [`expected an object, got ${value === null ? 'null' : typeof value}`];
  const v = value as Record<string | symbol, unknown>;
  const problems: string[] = [];
  if (v[PROVIDER_PLUGIN_BRAND] !== PROVIDER_PLUGIN_FORMAT) {
    problems.push('not made by defineProvider() from @ims/spi (brand missing or of another format)');
  }
  if (typeof v.id !== 'string') problems.push('id: expected a string');
  if (typeof v.spi !== 'string') problems.push('spi: expected a semver range string');
  if (typeof v.create !== 'function') problems.push('create: expected a function');
  const schema = v.configSchema as Record<string, unknown> | undefined;
  if (typeof schema !== 'object' || schema === null || schema.type !== 'object') {
    problems.push('configSchema: expected a JSON Schema of type "object"');
  }
  const caps = v.capabilities as Record<string, unknown> | undefined;
  if (typeof caps !== 'object' || caps === null) problems.push('capabilities: expected an object');
  else {
    for (const key of CAPABILITY_KEYS) {
      if (typeof caps[key] !== 'boolean') problems.push(`capabilities.${key}: expected a boolean`);
    }
  }
  return problems;
}

/** True if the value is a plugin object made by {@link defineProvider} (from any copy of this package). */
export function isProviderPlugin(value: unknown): value is ProviderPlugin {
  return pluginShapeProblems(value).length === 0;
}

/** The capability flags, in a stable order. */
export const CAPABILITY_KEYS: readonly (keyof Capabilities)[] = [
  'suspend',
  'metrics',
  'guestAddresses',
  'unmanagedVms',
  'templateDelete',
];
