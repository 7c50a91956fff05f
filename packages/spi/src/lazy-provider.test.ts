import { describe, expect, it } from 'vitest';
import { type OperationSources, providerFromOperations } from './lazy-provider.js';
import { PROVIDER_OPERATIONS } from './provider.js';

interface Env {
  calls: string[];
}

function recordingSources(loaded: string[]): OperationSources<Env> {
  const sources: Record<string, () => Promise<unknown>> = {};
  for (const name of PROVIDER_OPERATIONS) {
    sources[name] = async () => {
      loaded.push(name);
      return (env: Env, ...args: unknown[]) => {
        env.calls.push(`${name}(${JSON.stringify(args)})`);
        return Promise.resolve(name === 'listVms' ? [] : undefined);
      };
    };
  }
  return sources as unknown as OperationSources<Env>;
}

describe('providerFromOperations', () => {
  it('loads each operation only when called, and passes the environment and the arguments', async () => {
    const env: Env = { calls: [] };
    const loaded: string[] = [];
    let closed = 0;
    const provider = providerFromOperations(env, recordingSources(loaded), async () => {
      closed += 1;
    });
    expect(loaded).toEqual([]);
    await provider.startVm('web-1', {
      bootParams: { vmName: 'web-1', hostname: 'w', nics: [], dns: [], sshKeys: [], params: {} },
    });
    expect(await provider.listVms({ includeUnmanaged: true })).toEqual([]);
    expect(loaded).toEqual(['startVm', 'listVms']);
    expect(env.calls[0]).toMatch(/^startVm\(\["web-1",/);
    expect(env.calls[1]).toBe('listVms([{"includeUnmanaged":true}])');
    await provider.close();
    expect(closed).toBe(1);
  });

  it('has every operation of the SPI and cannot be altered', () => {
    const provider = providerFromOperations({ calls: [] }, recordingSources([]), async () => {});
    for (const name of [...PROVIDER_OPERATIONS, 'close'] as const)
      expect(typeof provider[name]).toBe('function');
    expect(Object.isFrozen(provider)).toBe(true);
  });

  it('passes a failure of the operation through unchanged', async () => {
    const failure = new Error('boom');
    const sources = recordingSources([]);
    const provider = providerFromOperations(
      { calls: [] },
      { ...sources, getStatus: () => () => Promise.reject(failure) },
      async () => {},
    );
    await expect(provider.getStatus('x')).rejects.toBe(failure);
  });
});
