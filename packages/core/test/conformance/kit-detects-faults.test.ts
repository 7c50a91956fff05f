import {
  ImsError,
  isImsError,
  NAME_PATTERN,
  PROVIDER_OPERATIONS,
  PROVIDER_PLUGIN_BRAND,
  type Provider,
  type ProviderPlugin,
} from '@ims/spi';
import { type ConformanceCheck, conformanceChecks, defaultBootParams } from '@ims/spi/conformance';
import { describe, expect, it } from 'vitest';
import { loadMemoryPlugin, type MemoryFixtureOptions, memoryFixture } from './memory-fixture.js';

const PROVIDER_METHODS = [...PROVIDER_OPERATIONS, 'close'] as const;

/** The real provider with some of its methods replaced. */
function broken(real: Provider, changes: Partial<Provider>): Provider {
  const delegate = Object.fromEntries(
    PROVIDER_METHODS.map((method) => [method, (real[method] as (...args: unknown[]) => unknown).bind(real)]),
  ) as unknown as Provider;
  return { ...delegate, ...changes };
}

/** Short limits: a broken provider must fail fast, and the memory provider needs no time. */
const TIMEOUTS = { bootMs: 1_000, stopMs: 1_000, ipMs: 1_000, operationMs: 1_000 };

interface KitReport {
  /** Ids of the checks that threw, in order. */
  failed: string[];
  /** Each failed check's message. */
  messages: Record<string, string>;
  /** Ids of the checks that said they do not apply. */
  notApplicable: string[];
}

/** Runs the kit's checks in order against a memory fixture (up to and including `until`), then its teardown. */
async function runKit(fixture: MemoryFixtureOptions = {}, until?: string): Promise<KitReport> {
  const plan = conformanceChecks({ name: 'fault', setup: () => memoryFixture(fixture), timeouts: TIMEOUTS });
  const report: KitReport = { failed: [], messages: {}, notApplicable: [] };
  const state = await plan.setup();
  try {
    for (const check of plan.checks) {
      try {
        const outcome = await check.run(state);
        if (outcome !== undefined) report.notApplicable.push(check.id);
      } catch (error) {
        report.failed.push(check.id);
        report.messages[check.id] = isImsError(error) ? `${error.code}: ${error.message}` : String(error);
      }
      if (check.id === until) break;
    }
  } finally {
    await plan.teardown(state);
  }
  return report;
}

const failsOnlyWith = (report: KitReport, ids: string[]) => {
  expect(report.failed, JSON.stringify(report.messages, null, 2)).toEqual(ids);
};

describe('the conformance kit', () => {
  it('passes the memory provider in full, with no check left out', async () => {
    const report = await runKit();
    failsOnlyWith(report, []);
    expect(report.notApplicable).toEqual([]);
  });

  it('accepts IMS errors from another copy of the SPI (brand, not instanceof)', async () => {
    // What an ImsError from another copy of @ims/spi looks like to this one: the brand, another class.
    class ForeignImsError extends Error {
      constructor(
        readonly code: string,
        message: string,
      ) {
        super(message);
        Object.defineProperty(this, Symbol.for('ims.error'), { value: true });
      }
    }
    const foreign = (real: Provider) =>
      Object.fromEntries(
        PROVIDER_METHODS.map((method) => [
          method,
          async (...args: unknown[]) => {
            try {
              return await (real[method] as (...a: unknown[]) => Promise<unknown>)(...args);
            } catch (error) {
              throw isImsError(error) ? new ForeignImsError(error.code, error.message) : error;
            }
          },
        ]),
      ) as unknown as Provider;
    const probe = new ForeignImsError('IMS_VM_NOT_FOUND', 'x');
    expect(probe instanceof ImsError).toBe(false);
    failsOnlyWith(await runKit({ wrap: foreign }), []);
  });

  it('fails the plugin check for a plugin object without the defineProvider() brand', async () => {
    const unbranded = (real: ProviderPlugin) => Object.fromEntries(Object.entries(real));
    expect(Object.getOwnPropertySymbols(unbranded(await loadMemoryPlugin()))).not.toContain(
      PROVIDER_PLUGIN_BRAND,
    );
    const report = await runKit({ plugin: unbranded });
    failsOnlyWith(report, ['plugin-shape']);
    expect(report.messages['plugin-shape']).toContain('defineProvider');
  });

  it('fails "stop again is a no-op" when stopping a stopped VM throws', async () => {
    const wrap = (real: Provider) =>
      broken(real, {
        async stopVm(name, options) {
          if ((await real.getStatus(name)).state === 'stopped') {
            throw new ImsError('IMS_INVALID_STATE', `VM ${name} is already stopped.`);
          }
          await real.stopVm(name, options);
        },
      });
    failsOnlyWith(await runKit({ wrap }), ['vm-stop-again']);
  });

  it('fails "start again is a no-op" when starting a running VM throws', async () => {
    const wrap = (real: Provider) =>
      broken(real, {
        async startVm(name, options) {
          if ((await real.getStatus(name)).state === 'running') {
            throw new ImsError('IMS_INVALID_STATE', `VM ${name} is already running.`);
          }
          await real.startVm(name, options);
        },
      });
    failsOnlyWith(await runKit({ wrap }), ['vm-start-again']);
  });

  it('fails every check that reads the state after a stop when the status still says running', async () => {
    const wrap = (real: Provider) => {
      const stale = new Set<string>();
      return broken(real, {
        async stopVm(name, options) {
          await real.stopVm(name, options);
          stale.add(name);
        },
        async startVm(name, options) {
          await real.startVm(name, options);
          stale.delete(name);
        },
        async getStatus(name) {
          const status = await real.getStatus(name);
          return stale.has(name) ? { state: 'running', providerState: 'running' } : status;
        },
      });
    };
    const report = await runKit({ wrap });
    failsOnlyWith(report, ['vm-stop', 'vm-stop-again', 'vm-suspend-stopped', 'vm-stop-forced']);
    expect(report.messages['vm-stop']).toMatch(/reports running; expected stopped/);
  });

  it('fails the invalid-name check when a provider accepts names outside the naming rule', async () => {
    const wrap = (real: Provider) => {
      const accepted = new Set<string>();
      return broken(real, {
        async createVm(spec) {
          if (NAME_PATTERN.test(spec.name)) return real.createVm(spec);
          accepted.add(spec.name);
          return { macs: ['52:54:00:00:00:01'] };
        },
        async deleteVm(name, options) {
          if (!accepted.delete(name)) await real.deleteVm(name, options);
        },
      });
    };
    const report = await runKit({ wrap });
    failsOnlyWith(report, ['invalid-names']);
    expect(report.messages['invalid-names']).toContain('9 problem(s)');
    expect(report.messages['invalid-names']).toContain('createVm("../x") succeeded');
  });

  it('fails the generated-MAC check when generated MACs are upper-case', async () => {
    const wrap = (real: Provider) =>
      broken(real, {
        async createVm(spec) {
          const created = await real.createVm(spec);
          if (spec.nics[0]?.mac !== undefined) return created;
          return { macs: created.macs.map((mac) => mac.toUpperCase()) };
        },
      });
    failsOnlyWith(await runKit({ wrap }), ['vm-create-generated-mac']);
  });

  it('fails the duplicate check when the provider throws a plain Error instead of an ImsError', async () => {
    const wrap = (real: Provider) =>
      broken(real, {
        async createVm(spec) {
          try {
            return await real.createVm(spec);
          } catch (error) {
            if (isImsError(error) && error.code === 'IMS_ALREADY_EXISTS') throw new Error('domain exists');
            throw error;
          }
        },
      });
    const report = await runKit({ wrap });
    failsOnlyWith(report, ['vm-create-duplicate']);
    expect(report.messages['vm-create-duplicate']).toContain('expected an ImsError');
  });

  it('fails the metrics check when CPU time goes down between samples', async () => {
    const wrap = (real: Provider) => {
      let cpuTimeNs = 1e12;
      return broken(real, {
        async getMetrics(names) {
          const samples = await real.getMetrics(names);
          cpuTimeNs -= 1e6;
          return samples.map((sample) => ({ ...sample, cpuTimeNs }));
        },
      });
    };
    const report = await runKit({ wrap });
    failsOnlyWith(report, ['vm-metrics']);
    expect(report.messages['vm-metrics']).toContain('cpuTimeNs went down');
  });

  it('fails the not-found checks when a missing VM is reported as "unknown" instead of IMS_VM_NOT_FOUND', async () => {
    const wrap = (real: Provider) =>
      broken(real, {
        async getStatus(name) {
          try {
            return await real.getStatus(name);
          } catch (error) {
            if (isImsError(error) && error.code === 'IMS_VM_NOT_FOUND')
              return { state: 'unknown', providerState: '' };
            throw error;
          }
        },
      });
    const report = await runKit({ wrap });
    failsOnlyWith(report, [
      'vm-create-generated-mac',
      'vm-create-missing-template',
      'vm-delete',
      'vm-not-found',
    ]);
    expect(report.messages['vm-not-found']).toContain('getStatus');
  });

  it('fails the address check when the guest address never shows up', async () => {
    const wrap = (real: Provider) =>
      broken(real, {
        async getAddresses(name) {
          await real.getAddresses(name);
          return [];
        },
      });
    const report = await runKit({ wrap });
    failsOnlyWith(report, ['vm-addresses']);
    expect(report.messages['vm-addresses']).toContain(`within ${TIMEOUTS.ipMs} ms`);
  });

  it('fails "delete while running" first when a running VM is deleted without force', async () => {
    const wrap = (real: Provider) =>
      broken(real, { deleteVm: (name) => real.deleteVm(name, { force: true }) });
    const report = await runKit({ wrap });
    expect(report.failed[0], JSON.stringify(report.messages)).toBe('vm-delete-running');
  });

  it('fails the start check first when the VM does not reach running within bootMs', async () => {
    const report = await runKit({ config: { bootDelayMs: 60_000 } });
    expect(report.failed[0]).toBe('vm-start');
    expect(report.messages['vm-start']).toContain('last seen: starting');
  });

  it('fails the graceful stop check first when the guest ignores the shutdown request', async () => {
    const bootParams = (vm: string, mac: string) => ({
      ...defaultBootParams(vm, mac),
      params: { 'ignore-shutdown': 'yes' },
    });
    const report = await runKit({ bootParams });
    expect(report.failed[0]).toBe('vm-stop');
    expect(report.messages['vm-stop']).toContain('IMS_TIMEOUT');
  });

  it('deletes what an interrupted run left behind, and closes the provider', async () => {
    let real: Provider | undefined;
    let closed = 0;
    const wrap = (provider: Provider) => {
      real = provider;
      return broken(provider, {
        close: async () => {
          closed += 1;
        },
      });
    };
    const report = await runKit({ wrap }, 'vm-start');
    failsOnlyWith(report, []);
    expect(closed).toBe(1);
    const left = (await real!.listVms({ includeUnmanaged: true })).map((vm) => vm.name);
    expect(left).toEqual(['outsider']);
    expect((await real!.listTemplates()).map((template) => template.name)).toEqual(['tiny']);
    await real!.close();
  });

  it('has unique check ids and titles, and refuses a prefix that cannot start a name', () => {
    const { checks } = conformanceChecks({ name: 'x', setup: () => memoryFixture() });
    const unique = (key: keyof ConformanceCheck) => new Set(checks.map((check) => check[key])).size;
    expect(unique('id')).toBe(checks.length);
    expect(unique('title')).toBe(checks.length);
    for (const vmPrefix of ['-x', 'a b', 'x'.repeat(31)]) {
      expect(() => conformanceChecks({ name: 'x', setup: () => memoryFixture(), vmPrefix })).toThrow(
        expect.objectContaining({ code: 'IMS_INVALID_ARGUMENT' }),
      );
    }
  });
});
