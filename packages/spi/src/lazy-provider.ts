/**
 * Builds a {@link Provider} out of operation functions, each loaded when first called. Every `ims`
 * command is a new process that runs one or two operations, so a provider that keeps each
 * operation in its own module (and imports its heavy libraries there) starts fast; this helper
 * saves writing the class that ties those modules to one configuration's environment.
 */
import { PROVIDER_OPERATIONS, type Provider } from './provider.js';

/** The name of one provider operation (everything but `close`). */
export type ProviderOperation = (typeof PROVIDER_OPERATIONS)[number];

/** A provider operation written as a function of the provider's environment `E`. */
export type EnvOperation<E, K extends ProviderOperation> = (
  env: E,
  ...args: Parameters<Provider[K]>
) => ReturnType<Provider[K]>;

/**
 * Where each operation comes from, usually `async () => (await import('./vm-power.js')).startVm`
 * so its module is loaded on first use; operations needed by nearly every command can be
 * imported statically and returned at once.
 */
export type OperationSources<E> = {
  readonly [K in ProviderOperation]: () => EnvOperation<E, K> | Promise<EnvOperation<E, K>>;
};

/** A provider whose operations call `sources`' functions with `env`; `close` releases what `env` holds. */
export function providerFromOperations<E>(
  env: E,
  sources: OperationSources<E>,
  close: () => Promise<void>,
): Provider {
  const provider: Record<string, unknown> = { close };
  for (const name of PROVIDER_OPERATIONS) {
    provider[name] = async (...args: unknown[]) => {
      const operation = (await sources[name]()) as (env: E, ...rest: unknown[]) => unknown;
      return operation(env, ...args);
    };
  }
  return Object.freeze(provider) as unknown as Provider;
}
