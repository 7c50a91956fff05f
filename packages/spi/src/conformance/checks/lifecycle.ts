import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressSource, GuestAddress, VmMetricsSample } from '../../provider.js';
import {
  expectImsError,
  expectState,
  MAC_PATTERN,
  POLL_INTERVAL_MS,
  waitForState,
  waitUntil,
} from '../expect.js';
import type { ConformanceSettings } from '../options.js';
import type { ConformanceCheck, ConformanceState } from '../state.js';

const ADDRESS_SOURCES: readonly AddressSource[] = [
  'configured',
  'agent',
  'guest-property',
  'manager',
  'lease',
];

/** A forced stop must not take longer than this, whatever the graceful stop limit. */
const FORCED_STOP_LIMIT_MS = 10_000;

/** How long the kit waits for a metrics sample with a later timestamp (hypervisors with coarse clocks). */
const NEXT_SAMPLE_WITHIN_MS = 5_000;

function checkAddressShape(vm: string, entry: GuestAddress) {
  const shown = JSON.stringify(entry);
  assert.ok(
    MAC_PATTERN.test(entry.mac),
    `getAddresses(${vm}): MAC of ${shown} is not lower-case xx:xx:xx:xx:xx:xx`,
  );
  assert.ok(
    typeof entry.address === 'string' && entry.address.length > 0,
    `getAddresses(${vm}): ${shown} has no address`,
  );
  assert.ok(
    Number.isInteger(entry.prefix) && entry.prefix >= 0 && entry.prefix <= 128,
    `getAddresses(${vm}): bad prefix in ${shown}`,
  );
  assert.ok(ADDRESS_SOURCES.includes(entry.source), `getAddresses(${vm}): unknown source in ${shown}`);
}

function checkSample(
  state: ConformanceState,
  sample: VmMetricsSample | undefined,
  samples: number,
): VmMetricsSample {
  const { vm } = state.names;
  assert.equal(samples, 1, `getMetrics([${vm}]) returned ${samples} samples; expected 1`);
  assert.ok(sample !== undefined);
  assert.equal(sample.vm, vm, 'the sample names another VM');
  assert.equal(sample.vcpus, state.settings.cpus, 'vcpus differs from the cpus the VM was created with');
  assert.ok(sample.memoryTotalBytes > 0, `memoryTotalBytes is ${sample.memoryTotalBytes}`);
  assert.ok(sample.memoryUsedBytes >= 0, `memoryUsedBytes is ${sample.memoryUsedBytes}`);
  assert.ok(Number.isFinite(sample.cpuTimeNs) && sample.cpuTimeNs >= 0, `cpuTimeNs is ${sample.cpuTimeNs}`);
  assert.ok(Number.isFinite(sample.at), `at is ${sample.at}`);
  if (sample.cpuPercent !== undefined)
    assert.ok(sample.cpuPercent >= 0, `cpuPercent is ${sample.cpuPercent}`);
  return sample;
}

async function oneSample(state: ConformanceState): Promise<VmMetricsSample> {
  const samples = await state.fixture.provider.getMetrics([state.names.vm]);
  return checkSample(state, samples[0], samples.length);
}

/** Start, addresses, metrics, suspend/resume, stop, list, forced stop and delete, in this order on one VM. */
export function lifecycleChecks(settings: ConformanceSettings): ConformanceCheck[] {
  const { operationMs, bootMs, stopMs, ipMs } = settings;
  return [
    {
      id: 'vm-start',
      title: 'startVm() brings the VM to running within bootMs',
      timeoutMs: operationMs + bootMs,
      async run({ fixture: { provider }, names: { vm }, bootParams }) {
        await provider.startVm(vm, { bootParams });
        await waitForState(provider, vm, 'running', bootMs);
        return undefined;
      },
    },
    {
      id: 'vm-start-again',
      title: 'startVm() of a running VM is a no-op and it stays running',
      timeoutMs: operationMs * 2,
      async run({ fixture: { provider }, names: { vm }, bootParams }) {
        await provider.startVm(vm, { bootParams });
        await expectState(provider, vm, 'running', `a second startVm(${vm})`);
        return undefined;
      },
    },
    {
      id: 'vm-addresses',
      title:
        "getAddresses() reports the configured address for the VM's MAC within ipMs (without guestAddresses: [] or IMS_OPERATION_UNSUPPORTED)",
      timeoutMs: operationMs + ipMs,
      async run({ fixture: { provider }, names: { vm }, mac, bootParams, capabilities }) {
        if (!capabilities.guestAddresses) {
          let addresses: GuestAddress[];
          try {
            addresses = await provider.getAddresses(vm);
          } catch (error) {
            await expectImsError(
              `getAddresses(${vm}) without guestAddresses`,
              ['IMS_OPERATION_UNSUPPORTED'],
              () => Promise.reject(error),
            );
            return undefined;
          }
          assert.deepEqual(addresses, [], `getAddresses(${vm}) without guestAddresses returned addresses`);
          return undefined;
        }
        const configured = bootParams.nics.find((nic) => nic.mac === mac)?.address;
        const expected = typeof configured === 'object' ? configured : undefined;
        const wanted =
          expected === undefined
            ? `an address for ${mac}`
            : `${expected.address}/${expected.prefix} for ${mac}`;
        await waitUntil(
          `getAddresses(${vm}) reporting ${wanted}`,
          ipMs,
          async () => {
            const addresses = await provider.getAddresses(vm);
            for (const entry of addresses) checkAddressShape(vm, entry);
            return addresses;
          },
          (addresses) =>
            addresses.some(
              (entry) =>
                entry.mac === mac &&
                (expected === undefined ||
                  (entry.address === expected.address && entry.prefix === expected.prefix)),
            ),
          (addresses) => JSON.stringify(addresses),
        );
        return undefined;
      },
    },
    {
      id: 'vm-metrics',
      title:
        'getMetrics() gives one well-formed sample, and a later one with no less CPU time (IMS_OPERATION_UNSUPPORTED without metrics)',
      timeoutMs: operationMs * 2 + NEXT_SAMPLE_WITHIN_MS,
      async run(state) {
        const { provider } = state.fixture;
        const { vm } = state.names;
        if (!state.capabilities.metrics) {
          await expectImsError(`getMetrics([${vm}]) without metrics`, ['IMS_OPERATION_UNSUPPORTED'], () =>
            provider.getMetrics([vm]),
          );
          return undefined;
        }
        const first = await oneSample(state);
        await sleep(POLL_INTERVAL_MS);
        const second = await waitUntil(
          'a metrics sample with a later timestamp',
          NEXT_SAMPLE_WITHIN_MS,
          () => oneSample(state),
          (sample) => sample.at > first.at,
          (sample) => `at ${sample.at}, first at ${first.at}`,
        );
        assert.ok(
          second.cpuTimeNs >= first.cpuTimeNs,
          `cpuTimeNs went down from ${first.cpuTimeNs} to ${second.cpuTimeNs} while the VM ran`,
        );
        return undefined;
      },
    },
    {
      id: 'vm-metrics-unknown',
      title: 'getMetrics() with an unknown VM among the names fails with IMS_VM_NOT_FOUND',
      timeoutMs: operationMs,
      async run({ fixture: { provider }, names: { vm, missingVm }, capabilities }) {
        if (!capabilities.metrics) return { notApplicable: 'the provider has no metrics capability' };
        await expectImsError(`getMetrics([${vm}, ${missingVm}])`, ['IMS_VM_NOT_FOUND'], () =>
          provider.getMetrics([vm, missingVm]),
        );
        return undefined;
      },
    },
    ...suspendChecks(settings),
    {
      id: 'vm-delete-running',
      title: 'deleteVm() of a running VM without force fails with IMS_INVALID_STATE and the VM keeps running',
      timeoutMs: operationMs * 2,
      async run({ fixture: { provider }, names: { vm } }) {
        await expectImsError(`deleteVm(${vm}) while running`, ['IMS_INVALID_STATE'], () =>
          provider.deleteVm(vm, { force: false }),
        );
        await expectState(provider, vm, 'running', `the refused deleteVm(${vm})`);
        return undefined;
      },
    },
    {
      id: 'vm-stop',
      title: 'stopVm() stops the VM gracefully within stopMs',
      timeoutMs: operationMs + stopMs,
      async run({ fixture: { provider }, names: { vm } }) {
        await provider.stopVm(vm, { force: false, timeoutMs: stopMs });
        await expectState(provider, vm, 'stopped', `stopVm(${vm})`);
        return undefined;
      },
    },
    {
      id: 'vm-stop-again',
      title: 'stopVm() of a stopped VM is a no-op',
      timeoutMs: operationMs * 2,
      async run({ fixture: { provider }, names: { vm } }) {
        await provider.stopVm(vm, { force: false, timeoutMs: stopMs });
        await expectState(provider, vm, 'stopped', `a second stopVm(${vm})`);
        return undefined;
      },
    },
    {
      id: 'vm-suspend-stopped',
      title:
        'suspendVm() and resumeVm() of a stopped VM fail with IMS_INVALID_STATE (IMS_OPERATION_UNSUPPORTED without suspend)',
      timeoutMs: operationMs * 3,
      async run({ fixture: { provider }, names: { vm }, capabilities }) {
        const code = capabilities.suspend ? 'IMS_INVALID_STATE' : 'IMS_OPERATION_UNSUPPORTED';
        await expectImsError(`suspendVm(${vm}) while stopped`, [code], () => provider.suspendVm(vm));
        await expectImsError(`resumeVm(${vm}) while stopped`, [code], () => provider.resumeVm(vm));
        await expectState(provider, vm, 'stopped', `the refused suspendVm/resumeVm(${vm})`);
        return undefined;
      },
    },
    {
      id: 'vm-list',
      title: 'listVms() lists the VM as stopped, with and without unmanaged VMs',
      timeoutMs: operationMs * 2,
      async run({ fixture: { provider }, names: { vm } }) {
        for (const includeUnmanaged of [false, true]) {
          const listing = await provider.listVms({ includeUnmanaged });
          const entry = listing.find((item) => item.name === vm);
          assert.ok(
            entry !== undefined,
            `listVms({ includeUnmanaged: ${includeUnmanaged} }) does not list ${vm}`,
          );
          assert.equal(
            entry.state,
            'stopped',
            `listVms({ includeUnmanaged: ${includeUnmanaged} }) shows ${vm} as ${entry.state}`,
          );
        }
        return undefined;
      },
    },
    {
      id: 'vm-stop-forced',
      title: `stopVm({ force: true }) powers a running VM off within ${FORCED_STOP_LIMIT_MS / 1000} s`,
      timeoutMs: operationMs * 2 + bootMs + FORCED_STOP_LIMIT_MS,
      async run({ fixture: { provider }, names: { vm }, bootParams }) {
        await provider.startVm(vm, { bootParams });
        await waitForState(provider, vm, 'running', bootMs);
        const began = Date.now();
        await provider.stopVm(vm, { force: true, timeoutMs: stopMs });
        const tookMs = Date.now() - began;
        await expectState(provider, vm, 'stopped', `stopVm(${vm}, { force: true })`);
        const limitMs = Math.min(stopMs, FORCED_STOP_LIMIT_MS);
        assert.ok(tookMs <= limitMs, `the forced stop took ${tookMs} ms; the limit is ${limitMs} ms`);
        return undefined;
      },
    },
    {
      id: 'vm-delete',
      title:
        'deleteVm() of a stopped VM removes it: getStatus() fails with IMS_VM_NOT_FOUND and listVms() omits it',
      timeoutMs: operationMs * 3,
      async run({ fixture: { provider }, names: { vm } }) {
        await provider.deleteVm(vm, { force: false });
        await expectImsError(`getStatus(${vm}) after deleteVm()`, ['IMS_VM_NOT_FOUND'], () =>
          provider.getStatus(vm),
        );
        const listing = await provider.listVms({ includeUnmanaged: false });
        assert.ok(!listing.some((item) => item.name === vm), `listVms() still lists ${vm} after deleteVm()`);
        return undefined;
      },
    },
  ];
}

/** Suspend and resume of the running VM; without the capability both must be refused as unsupported. */
function suspendChecks({ operationMs }: ConformanceSettings): ConformanceCheck[] {
  const unsupported = (what: string, action: () => Promise<void>) =>
    expectImsError(`${what} without the suspend capability`, ['IMS_OPERATION_UNSUPPORTED'], action);
  return [
    {
      id: 'vm-suspend',
      title: 'suspendVm() of a running VM makes it suspended (IMS_OPERATION_UNSUPPORTED without suspend)',
      timeoutMs: operationMs * 2,
      async run(state) {
        const { provider } = state.fixture;
        const { vm } = state.names;
        if (!state.capabilities.suspend) {
          await unsupported(`suspendVm(${vm})`, () => provider.suspendVm(vm));
          await expectState(provider, vm, 'running', `the refused suspendVm(${vm})`);
          return undefined;
        }
        await provider.suspendVm(vm);
        await expectState(provider, vm, 'suspended', `suspendVm(${vm})`);
        return undefined;
      },
    },
    {
      id: 'vm-suspend-again',
      title: 'suspendVm() of a suspended VM fails with IMS_INVALID_STATE',
      timeoutMs: operationMs * 2,
      async run(state) {
        const { provider } = state.fixture;
        const { vm } = state.names;
        if (!state.capabilities.suspend) return { notApplicable: 'the provider has no suspend capability' };
        await expectImsError(`suspendVm(${vm}) while suspended`, ['IMS_INVALID_STATE'], () =>
          provider.suspendVm(vm),
        );
        await expectState(provider, vm, 'suspended', `the refused suspendVm(${vm})`);
        return undefined;
      },
    },
    {
      id: 'vm-resume',
      title: 'resumeVm() of a suspended VM makes it running (IMS_OPERATION_UNSUPPORTED without suspend)',
      timeoutMs: operationMs * 2,
      async run(state) {
        const { provider } = state.fixture;
        const { vm } = state.names;
        if (!state.capabilities.suspend) {
          await unsupported(`resumeVm(${vm})`, () => provider.resumeVm(vm));
          return undefined;
        }
        await provider.resumeVm(vm);
        await expectState(provider, vm, 'running', `resumeVm(${vm})`);
        return undefined;
      },
    },
    {
      id: 'vm-resume-again',
      title: 'resumeVm() of a running VM fails with IMS_INVALID_STATE',
      timeoutMs: operationMs * 2,
      async run(state) {
        const { provider } = state.fixture;
        const { vm } = state.names;
        if (!state.capabilities.suspend) return { notApplicable: 'the provider has no suspend capability' };
        await expectImsError(`resumeVm(${vm}) while running`, ['IMS_INVALID_STATE'], () =>
          provider.resumeVm(vm),
        );
        await expectState(provider, vm, 'running', `the refused resumeVm(${vm})`);
        return undefined;
      },
    },
  ];
}
