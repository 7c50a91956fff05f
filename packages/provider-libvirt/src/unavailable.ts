import { ImsError, PROVIDER_OPERATIONS, type Provider } from '@ims/spi';

/**
 * The provider until its operations land: every operation fails plainly with
 * `IMS_OPERATION_UNSUPPORTED`, so the host, CLI and configuration handling can already be used.
 */
export function unavailableProvider(id: string): Provider {
  const fail = (operation: string) => () =>
    Promise.reject(
      new ImsError(
        'IMS_OPERATION_UNSUPPORTED',
        `The ${id} provider cannot ${operation} yet: this version only validates configurations.`,
        {
          hint: `Upgrade @ims/provider-${id} to a version that implements ${operation}.`,
        },
      ),
    );
  const operations = Object.fromEntries(PROVIDER_OPERATIONS.map((op) => [op, fail(op)]));
  return { ...(operations as unknown as Omit<Provider, 'close'>), close: async () => {} };
}
