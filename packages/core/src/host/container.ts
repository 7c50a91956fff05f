import 'reflect-metadata';
import type { Provider, ProviderContext, ProviderPlugin } from '@ims/spi';
import { TOKENS } from '@ims/spi';
import { type DependencyContainer, instanceCachingFactory, container as tsyringeRoot } from 'tsyringe';
import { guardProvider } from './guard-provider.js';
import { assembleContext, type HostLogger, type HostServices } from './host-services.js';

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
  root.register(TOKENS.CleanupSignal, { useValue: services.cleanupSignal });
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
  /** The configuration's own abort signal (default: the host's). */
  signal?: AbortSignal;
  /**
   * The instance's operations run under the clean-up signal instead of the command's: an instance
   * for undoing work after the command was cancelled, which the cancellation must not stop.
   */
  forCleanup?: boolean;
}

/**
 * Step 7 of discovery: a child container per configured provider instance, holding its context and
 * (created on first resolve, then cached) its guarded provider.
 */
export function createProviderScope(
  root: DependencyContainer,
  input: ProviderScopeInput,
): DependencyContainer {
  const scope = root.createChildContainer();
  const tag = `${input.plugin.id}/${input.configName}`;
  scope.register(TOKENS.Logger, { useValue: root.resolve<HostLogger>(TOKENS.Logger).child(tag) });
  if (input.signal) scope.register(TOKENS.Signal, { useValue: input.signal });
  scope.register(TOKENS.ProviderContext, {
    useFactory: instanceCachingFactory<ProviderContext>((c) =>
      assembleContext(input.configName, input.dataDir, {
        logger: c.resolve(TOKENS.Logger),
        localRunner: c.resolve(TOKENS.LocalRunner),
        ssh: c.resolve(TOKENS.Ssh),
        archives: c.resolve(TOKENS.Archives),
        bootImage: c.resolve(TOKENS.BootImage),
        progress: c.resolve(TOKENS.Progress),
        signal: c.resolve(input.forCleanup ? TOKENS.CleanupSignal : TOKENS.Signal),
        cleanupSignal: c.resolve(TOKENS.CleanupSignal),
        clock: c.resolve(TOKENS.Clock),
      }),
    ),
  });
  scope.register(TOKENS.Provider, {
    useFactory: instanceCachingFactory<Promise<Provider>>((c) =>
      guardProvider(input.plugin, () =>
        input.plugin.create(c.resolve<ProviderContext>(TOKENS.ProviderContext), input.config as never),
      ),
    ),
  });
  return scope;
}
