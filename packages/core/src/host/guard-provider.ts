import { ImsError, isImsError, PROVIDER_OPERATIONS, type Provider, type ProviderPlugin } from '@ims/spi';

function wrapFailure(plugin: ProviderPlugin, operation: string, error: unknown): ImsError {
  if (isImsError(error)) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new ImsError('IMS_PROVIDER_ERROR', `The ${plugin.id} provider failed in ${operation}: ${why}`, {
    cause: error,
    hint: 'Run again with --debug for the cause; if it persists, report it to the provider authors.',
    details: { provider: plugin.id, operation },
  });
}

/**
 * Creates a provider through its plugin and wraps it so that whatever it throws reaches the host
 * as a coded `ImsError`, and an instance missing operations is refused up front.
 */
export async function guardProvider(
  plugin: ProviderPlugin,
  create: () => Provider | Promise<Provider>,
): Promise<Provider> {
  let instance: Provider;
  try {
    instance = await create();
  } catch (error) {
    throw wrapFailure(plugin, 'create', error);
  }
  const missing = [...PROVIDER_OPERATIONS, 'close'].filter(
    (op) => typeof (instance as unknown as Record<string, unknown> | null)?.[op] !== 'function',
  );
  if (missing.length > 0) {
    throw new ImsError(
      'IMS_PLUGIN_NOT_A_PROVIDER',
      `The ${plugin.id} plugin's create() returned an object without ${missing.join(', ')}.`,
      {
        hint: 'The provider package is broken or built for another SPI: reinstall or upgrade it.',
      },
    );
  }
  const guarded: Record<string, unknown> = {};
  for (const op of [...PROVIDER_OPERATIONS, 'close'] as const) {
    const method = (instance[op] as (...args: unknown[]) => Promise<unknown>).bind(instance);
    guarded[op] = async (...args: unknown[]) => {
      try {
        return await method(...args);
      } catch (error) {
        throw wrapFailure(plugin, op, error);
      }
    };
  }
  return guarded as unknown as Provider;
}
