import { defineProvider, ImsError, isImsError, PROVIDER_OPERATIONS, type Provider } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { guardProvider } from './guard-provider.js';

const plugin = defineProvider({
  id: 'fragile',
  spi: '^1.0.0',
  configSchema: { type: 'object', properties: {} } as never,
  capabilities: {
    suspend: false,
    metrics: false,
    guestAddresses: false,
    unmanagedVms: false,
    templateDelete: false,
  },
  create: () => ({}) as Provider,
});

function fullProvider(overrides: Partial<Provider>): Provider {
  const base = Object.fromEntries([...PROVIDER_OPERATIONS, 'close'].map((op) => [op, async () => undefined]));
  return { ...base, ...overrides } as unknown as Provider;
}

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('guardProvider', () => {
  it('turns a provider bug into IMS_PROVIDER_ERROR with the cause, and passes IMS errors through', async () => {
    const guarded = await guardProvider(plugin, () =>
      fullProvider({
        getStatus: async () => {
          throw new TypeError('cannot read properties of undefined');
        },
        startVm: async () => {
          throw new ImsError('IMS_VM_NOT_FOUND', 'no such VM');
        },
      }),
    );
    const bug = await rejection(guarded.getStatus('x'));
    expect(isImsError(bug) && bug.code).toBe('IMS_PROVIDER_ERROR');
    expect((bug as ImsError).message).toContain('fragile provider failed in getStatus');
    expect((bug as ImsError).cause).toBeInstanceOf(TypeError);
    const notFound = await rejection(guarded.startVm('x', {} as never));
    expect(isImsError(notFound) && notFound.code).toBe('IMS_VM_NOT_FOUND');
  });

  it('refuses an instance missing operations, and wraps a throwing create()', async () => {
    const missing = await rejection(
      guardProvider(plugin, () => ({ describe: async () => ({}) }) as unknown as Provider),
    );
    expect(isImsError(missing) && missing.code).toBe('IMS_PLUGIN_NOT_A_PROVIDER');
    expect((missing as ImsError).message).toContain('createVm');
    const throwing = await rejection(
      guardProvider(plugin, () => {
        throw new Error('bad config');
      }),
    );
    expect(isImsError(throwing) && throwing.code).toBe('IMS_PROVIDER_ERROR');
  });
});
