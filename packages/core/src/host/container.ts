import 'reflect-metadata';
import type { ArchiveExtractor, BootImageBuilder, Clock, CommandRunner, ProgressReporter, Provider, ProviderContext, ProviderPlugin, SshConnector } from '@ims/spi';
import { TOKENS } from '@ims/spi';
import { container as tsyringeRoot, type DependencyContainer, instanceCachingFactory } from 'tsyringe';
import type { createLogger } from '../services/logger.js';
import { guardProvider } from './guard-provider.js';

/** A logger that can make tagged children (the host's own logger). */
export type HostLogger = ReturnType<typeof createLogger>;

/** The host services every provider context is assembled from. */
export interface HostServices {
  /** Base logger; each configuration gets a child tagged `provider/config`. */
  logger: HostLogger;
  /** Local command runner. */
  localRunner: CommandRunner;
  /** SSH connector with host-key verification. */
  ssh: SshConnector;
  /** Safe archive extraction. */
  archives: ArchiveExtractor;
  /** Boot-parameter images. */
  bootImage: BootImageBuilder;
  /** Progress reporting. */
  progress: ProgressReporter;
  /** Time. */
  clock: Clock;
  /** Cancellation of the current command. */
  signal: AbortSignal;
}

/**
 * A fresh root container holding the host services under the SPI's tokens. Each host (and each
 * test) gets its own, so nothing leaks through tsyringe's global container.
 */
export function createRootContainer(services: HostServices): DependencyContainer {
  const root = tsyringeRoot.createChildContainer();
  root.register(TOKENS.Logger, { useValue: services.logger });
  root.register(TOKENS.LocalRunner, { useValue: services.localRunner });
  root.register(TOKENS.Ssh, { useValue: services.ssh });
  root.register(TOKENS.Archives, { useValue: services.archives });
  root.register(TOKENS.BootImage, { useValue: services.bootImage });
  root.register(TOKENS.Progress, { useValue: services.progress });
  root.register(TOKENS.Clock, { useValue: services.clock });
  root.register(TOKENS.Signal, { useValue: services.signal });
  return root;
}

/** What one configured provider instance is made from. */
export interface ProviderScopeInput {
  /** Configuration name. */
  configName: string;
  /** The configuration's private data directory. */
  dataDir: string;
  /** The loaded plugin. */
  plugin: ProviderPlugin;
  /** Validated options, secrets included. */
  config: Record<string, unknown>;
}

/**
 * Step 7 of discovery: a child container per configured provider instance, holding its context and
 * (created on first resolve, then cached) its guarded provider.
 */
export function createProviderScope(root: DependencyContainer, input: ProviderScopeInput): DependencyContainer {
  const scope = root.createChildContainer();
  const tag = `${input.plugin.id}/${input.configName}`;
  scope.register(TOKENS.Logger, { useValue: root.resolve<HostLogger>(TOKENS.Logger).child(tag) });
  scope.register(TOKENS.ProviderContext, {
    useFactory: instanceCachingFactory<ProviderContext>((c) => ({
      configName: input.configName,
      dataDir: input.dataDir,
      logger: c.resolve(TOKENS.Logger),
      localRunner: c.resolve(TOKENS.LocalRunner),
      ssh: c.resolve(TOKENS.Ssh),
      archives: c.resolve(TOKENS.Archives),
      bootImage: c.resolve(TOKENS.BootImage),
      progress: c.resolve(TOKENS.Progress),
      signal: c.resolve(TOKENS.Signal),
      clock: c.resolve(TOKENS.Clock),
    })),
  });
  scope.register(TOKENS.Provider, {
    useFactory: instanceCachingFactory<Promise<Provider>>((c) =>
      guardProvider(input.plugin, () => input.plugin.create(c.resolve<ProviderContext>(TOKENS.ProviderContext), input.config as never)),
    ),
  });
  return scope;
}
