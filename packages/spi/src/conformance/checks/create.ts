import assert from 'node:assert/strict';
import type { VmSpec } from '../../provider.js';
import { expectImsError, expectState, MAC_PATTERN } from '../expect.js';
import type { ConformanceSettings } from '../options.js';
import type { ConformanceCheck, ConformanceState } from '../state.js';

/** A spec for a VM of this run: the configured size, one NIC. */
export function vmSpec(state: ConformanceState, name: string, template: string, mac?: string): VmSpec {
  return {
    name,
    template,
    cpus: state.settings.cpus,
    memoryMiB: state.settings.memoryMiB,
    nics: [mac === undefined ? {} : { mac }],
  };
}

/** VM creation: given and generated MACs, duplicates, missing templates. */
export function createChecks(settings: ConformanceSettings): ConformanceCheck[] {
  return [
    {
      id: 'vm-create-with-mac',
      title: 'createVm() with a given MAC returns that MAC and leaves the VM stopped',
      timeoutMs: settings.operationMs * 2,
      async run(state) {
        const { provider, template } = state.fixture;
        const { vm } = state.names;
        const created = await provider.createVm(vmSpec(state, vm, template, state.mac));
        assert.deepEqual(created.macs, [state.mac], `createVm(${vm}) returned MACs other than the one given`);
        await expectState(provider, vm, 'stopped', `createVm(${vm})`);
        return undefined;
      },
    },
    {
      id: 'vm-create-generated-mac',
      title: 'createVm() without a MAC generates a well-formed MAC unlike the first VM',
      timeoutMs: settings.operationMs * 3,
      async run(state) {
        const { provider, template } = state.fixture;
        const { secondVm } = state.names;
        const created = await provider.createVm(vmSpec(state, secondVm, template));
        try {
          assert.equal(
            created.macs.length,
            1,
            `createVm(${secondVm}) with one NIC returned ${created.macs.length} MACs`,
          );
          const [mac] = created.macs;
          assert.ok(
            mac !== undefined && MAC_PATTERN.test(mac),
            `generated MAC ${JSON.stringify(mac)} is not lower-case xx:xx:xx:xx:xx:xx`,
          );
          assert.notEqual(mac, state.mac, "the generated MAC equals the first VM's MAC");
          await expectState(provider, secondVm, 'stopped', `createVm(${secondVm})`);
        } finally {
          await provider.deleteVm(secondVm, { force: true });
        }
        await expectImsError(`getStatus(${secondVm}) after its delete`, ['IMS_VM_NOT_FOUND'], () =>
          provider.getStatus(secondVm),
        );
        return undefined;
      },
    },
    {
      id: 'vm-create-duplicate',
      title: 'createVm() of an existing name fails with IMS_ALREADY_EXISTS and leaves the VM alone',
      timeoutMs: settings.operationMs * 2,
      async run(state) {
        const { provider, template } = state.fixture;
        const { vm } = state.names;
        await expectImsError(`createVm(${vm}) again`, ['IMS_ALREADY_EXISTS'], () =>
          provider.createVm(vmSpec(state, vm, template)),
        );
        await expectState(provider, vm, 'stopped', `the refused duplicate createVm(${vm})`);
        return undefined;
      },
    },
    {
      id: 'vm-create-missing-template',
      title: 'createVm() from a missing template fails with IMS_TEMPLATE_NOT_FOUND and creates nothing',
      timeoutMs: settings.operationMs * 2,
      async run(state) {
        const { provider } = state.fixture;
        const { orphanVm, missingTemplate } = state.names;
        await expectImsError(
          `createVm(${orphanVm}) from template ${missingTemplate}`,
          ['IMS_TEMPLATE_NOT_FOUND'],
          () => provider.createVm(vmSpec(state, orphanVm, missingTemplate)),
        );
        await expectImsError(`getStatus(${orphanVm})`, ['IMS_VM_NOT_FOUND'], () =>
          provider.getStatus(orphanVm),
        );
        return undefined;
      },
    },
  ];
}
