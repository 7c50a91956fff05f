import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ImsError, type Provider, type ProviderPlugin, TOKENS } from '@ims/spi';
import type { DependencyContainer } from 'tsyringe';
import type { SearchRoot } from '../discovery/candidates.js';
import { PluginRegistry } from '../discovery/registry.js';
import { defaultSearchRoots } from '../discovery/search-roots.js';
import { createLogger } from '../services/logger.js';
import { createFileStateStore } from '../state/file-store.js';
import { assertSafeHome } from '../state/home.js';
import type { ConfigRecord } from '../state/model.js';
import type { StateStore } from '../state/store.js';
import { createProviderScope, createRootContainer } from './container.js';
import { defaultHostServices, type HostLogger, type HostServices, knownHostsFile } from './host-services.js';
import { schemaDigest } from './schema-digest.js';

/** Options of an {@link ImsHost}. */
export interface ImsHostOptions {
  /** The IMS home directory (see `resolveImsHome`). */
  home: string;
  /** Environment (for `IMS_PLUGIN_PATH`). */
  env?: NodeJS.ProcessEnv;
  /** Search roots instead of the default ones. */
  roots?: readonly SearchRoot[];
  /** State store instead of the file store in `home`. */
  store?: StateStore;
  /** Logger (default: warnings and errors to stderr). */
  logger?: HostLogger;
  /** Host services to replace (tests). */
  services?: Partial<HostServices>;
}

/** A configuration's provider instance, ready to use. */
export interface ConfiguredProvider {
  /** The configuration. */
  record: ConfigRecord;
  /** Its plugin. */
  plugin: ProviderPlugin;
  /** Its (guarded) provider instance. */
  provider: Provider;
  /** The configuration's abort signal: what host-side waits for this configuration listen to. */
  signal: AbortSignal;
}

/**
 * The IMS host: plugin registry, state store, and a DI scope per configuration whose provider is
 * created on first use. Everything the CLI does goes through here; it is the programmatic API too.
 */
export class ImsHost {
  /** The IMS home directory. */
  readonly home: string;
  /** Discovery. */
  readonly registry: PluginRegistry;
  /** State. */
  readonly store: StateStore;
  /** Host logger. */
  readonly logger: HostLogger;
  readonly #options: ImsHostOptions;
  #root: DependencyContainer | undefined;
  readonly #scopes = new Map<string, DependencyContainer>();
  readonly #abort = new AbortController();
  readonly #cleanup = new AbortController();
  readonly #outcomes: string[] = [];
  /** One per configuration scope, all aborted by {@link abort}. */
  readonly #configAborts: AbortController[] = [];

  constructor(options: ImsHostOptions) {
    this.#options = options;
    this.home = options.home;
    // Its plugins run as this user and its state says where VMs are: refuse one others can change.
    assertSafeHome(options.home);
    this.registry = new PluginRegistry({
      roots: options.roots ?? defaultSearchRoots(options.home, options.env),
    });
    this.store = options.store ?? createFileStateStore(options.home);
    this.logger =
      options.logger ?? createLogger({ write: (l) => process.stderr.write(`${l}\n`), verbose: false });
  }

  /** Cancels whatever the providers are doing (Ctrl-C, SIGTERM); clean-up still runs. */
  abort(): void {
    this.#abort.abort();
    for (const controller of this.#configAborts) controller.abort(this.#abort.signal.reason);
  }

  /**
   * A configuration's own abort signal. Every operation in flight adds a listener to the signal it
   * is given (a command, an SSH connection, a sleep); with one signal for the whole host, `vm list`
   * over more than ten configurations passed Node's limit of ten listeners and printed a leak
   * warning. One signal per configuration keeps each one's listeners to its own operations, and
   * {@link abort} reaches them all without a listener of its own.
   */
  #configSignal(): AbortSignal {
    const controller = new AbortController();
    if (this.#abort.signal.aborted) controller.abort(this.#abort.signal.reason);
    this.#configAborts.push(controller);
    return controller.signal;
  }

  /** Cancels clean-up too (a second interruption, or the clean-up took too long). */
  abortCleanup(): void {
    this.abort();
    this.#cleanup.abort();
  }

  /** True once {@link ImsHost.abort} was called. */
  get aborted(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Records what state an operation left things in, for the report of an interrupted command. */
  noteOutcome(line: string): void {
    this.#outcomes.push(line);
  }

  /** What the operations of this host left things in, in order. */
  get outcomes(): readonly string[] {
    return this.#outcomes;
  }

  /** The path of `known_hosts` used for every SSH connection. */
  get knownHostsPath(): string {
    return knownHostsFile(this.home);
  }

  #rootContainer(): DependencyContainer {
    this.#root ??= createRootContainer({
      ...defaultHostServices({
        home: this.home,
        logger: this.logger,
        signal: this.#abort.signal,
        cleanupSignal: this.#cleanup.signal,
      }),
      ...this.#options.services,
    });
    return this.#root;
  }

  /** The host service registered under an SPI token (for host-side work such as template import). */
  service<T>(token: symbol): T {
    return this.#rootContainer().resolve<T>(token);
  }

  /** A configuration's record, or `IMS_CONFIG_NOT_FOUND`. */
  async config(name: string): Promise<ConfigRecord> {
    const state = await this.store.read();
    const record = state.configs[name];
    if (record) return record;
    const known = Object.keys(state.configs).sort();
    throw new ImsError('IMS_CONFIG_NOT_FOUND', `No configuration named "${name}".`, {
      hint:
        known.length > 0
          ? `Known configurations: ${known.join(', ')}.`
          : 'Create one with `ims config create <name> --provider <id>`.',
    });
  }

  /** The provider instance of a configuration, created (and cached) on first use. */
  async provider(configName: string): Promise<ConfiguredProvider> {
    return this.#provider(configName, false);
  }

  /**
   * The provider instance to undo work with: the usual one, or once the command was cancelled, a
   * second instance whose operations run under the clean-up signal, so that removing a half-made
   * VM is not cancelled by the interruption that left it half-made (whatever SPI the provider has).
   */
  async cleanupProvider(configName: string): Promise<ConfiguredProvider> {
    return this.#provider(configName, this.aborted);
  }

  async #provider(configName: string, forCleanup: boolean): Promise<ConfiguredProvider> {
    const record = await this.config(configName);
    const plugin = await this.registry.plugin(record.provider);
    const key = forCleanup ? `cleanup:${configName}` : configName;
    let scope = this.#scopes.get(key);
    if (scope === undefined) {
      const secrets = await this.store.readSecrets(record);
      const options = { ...record.options, ...secrets };
      // Options are checked when written; they are checked again only when the provider's schema
      // changed since (which also keeps the validator off the path of everyday commands).
      const digest = schemaDigest(plugin.configSchema);
      const config =
        record.schemaDigest === digest ? options : await this.#recheck(record, plugin, options, digest);
      const dataDir = join(this.home, 'data', configName);
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      scope = createProviderScope(this.#rootContainer(), {
        configName,
        dataDir,
        plugin,
        config,
        forCleanup,
        signal: this.#configSignal(),
      });
      this.#scopes.set(key, scope);
    }
    const provider = await scope.resolve<Promise<Provider>>(TOKENS.Provider);
    return { record, plugin, provider, signal: scope.resolve<AbortSignal>(TOKENS.Signal) };
  }

  /**
   * Validates stored options against a provider schema that changed since they were written, then
   * stores them as validated (new defaults filled in) with the new fingerprint, so later commands
   * skip the validator again. Secrets are left as they are: validation does not change them. Not
   * being able to store that only costs the next command the same check.
   */
  async #recheck(
    record: ConfigRecord,
    plugin: ProviderPlugin,
    options: Record<string, unknown>,
    digest: string,
  ): Promise<Record<string, unknown>> {
    const { splitSecrets, validateConfig } = await import('./config-options.js');
    const complete = await validateConfig(plugin.configSchema, options, plugin.id);
    const { plain } = splitSecrets(plugin.configSchema, complete);
    const unchanged = JSON.stringify(record.options);
    await this.store
      .update((draft) => {
        const stored = draft.configs[record.name];
        // Unless another command changed the configuration in the meantime.
        if (
          stored === undefined ||
          stored.schemaDigest !== record.schemaDigest ||
          JSON.stringify(stored.options) !== unchanged
        ) {
          return;
        }
        stored.options = plain;
        stored.schemaDigest = digest;
      })
      .catch((error: unknown) =>
        this.logger.debug('Could not record the re-validated options', { error: (error as Error).message }),
      );
    return complete;
  }

  /** Closes every provider instance this host created. */
  async close(): Promise<void> {
    const scopes = [...this.#scopes.values()];
    this.#scopes.clear();
    await Promise.allSettled(
      scopes.map(async (s) => (await s.resolve<Promise<Provider>>(TOKENS.Provider)).close()),
    );
  }
}
