import { randomBytes } from 'node:crypto';
import { type ErrorCode, ImsError, isImsError } from '../errors.js';
import { CAPABILITY_KEYS } from '../plugin.js';
import type { Capabilities } from '../provider.js';
import { createChecks } from './checks/create.js';
import { lifecycleChecks } from './checks/lifecycle.js';
import { pluginChecks } from './checks/plugin.js';
import { refusalChecks } from './checks/refusals.js';
import { templateChecks } from './checks/templates.js';
import { describeThrown } from './expect.js';
import {
  type ConformanceOptions,
  type ConformanceSettings,
  defaultBootParams,
  resolveSettings,
} from './options.js';
import type { ConformanceNames, ConformancePlan, ConformanceState } from './state.js';

function namesOf(settings: ConformanceSettings): ConformanceNames {
  const runPrefix = `${settings.vmPrefix}-${randomBytes(4).toString('hex')}-`;
  return {
    runPrefix,
    vm: `${runPrefix}vm`,
    secondVm: `${runPrefix}vm2`,
    orphanVm: `${runPrefix}orphan`,
    missingVm: `${runPrefix}missing`,
    importedTemplate: `${runPrefix}tpl`,
    missingTemplate: `${runPrefix}missing-tpl`,
  };
}

/** A MAC in QEMU's range that no other run is likely to use. */
function randomMac(): string {
  const tail = [...randomBytes(3)].map((byte) => byte.toString(16).padStart(2, '0'));
  return ['52', '54', '00', ...tail].join(':');
}

/** Reads the capabilities defensively: the plugin's shape is itself under test. */
function capabilitiesOf(plugin: unknown): Capabilities {
  const declared = (plugin as { capabilities?: Record<string, unknown> } | null)?.capabilities ?? {};
  const capabilities = {} as Capabilities;
  for (const key of CAPABILITY_KEYS) capabilities[key] = declared[key] === true;
  return capabilities;
}

async function ignoring(code: ErrorCode, action: () => Promise<unknown>, problems: string[], what: string) {
  try {
    await action();
  } catch (error) {
    if (!(isImsError(error) && error.code === code)) problems.push(`${what}: ${describeThrown(error)}`);
  }
}

/** Deletes every VM and template of this run that is still there; returns what could not be deleted. */
async function removeLeftovers({
  fixture: { provider },
  names,
  capabilities,
}: ConformanceState): Promise<string[]> {
  const problems: string[] = [];
  const vms = new Set([names.vm, names.secondVm, names.orphanVm]);
  try {
    for (const listed of await provider.listVms({ includeUnmanaged: false })) {
      if (listed.name.startsWith(names.runPrefix)) vms.add(listed.name);
    }
  } catch (error) {
    problems.push(`listVms(): ${describeThrown(error)}`);
  }
  for (const vm of vms) {
    await ignoring(
      'IMS_VM_NOT_FOUND',
      () => provider.deleteVm(vm, { force: true }),
      problems,
      `deleteVm(${vm})`,
    );
  }
  if (capabilities.templateDelete) {
    const template = names.importedTemplate;
    await ignoring(
      'IMS_TEMPLATE_NOT_FOUND',
      () => provider.deleteTemplate(template),
      problems,
      `deleteTemplate(${template})`,
    );
  }
  return problems;
}

/** The kit's checks, in order, with setup and cleanup; {@link runConformanceSuite} registers them with vitest. */
export function conformanceChecks(options: ConformanceOptions): ConformancePlan {
  const settings = resolveSettings(options);
  return {
    settings,
    checks: [
      ...pluginChecks(settings),
      ...templateChecks(settings),
      ...createChecks(settings),
      ...lifecycleChecks(settings),
      ...refusalChecks(settings),
    ],
    setupTimeoutMs: settings.operationMs,
    teardownTimeoutMs: settings.operationMs * 6,
    async setup() {
      const fixture = await options.setup();
      const names = namesOf(settings);
      const mac = randomMac();
      const bootParams = (fixture.bootParams ?? defaultBootParams)(names.vm, mac);
      return { fixture, settings, capabilities: capabilitiesOf(fixture.plugin), names, mac, bootParams };
    },
    async teardown(state) {
      let problems: string[] = [];
      try {
        problems = await removeLeftovers(state);
      } finally {
        try {
          await state.fixture.provider.close();
        } finally {
          await state.fixture.teardown();
        }
      }
      if (problems.length > 0) {
        throw new ImsError(
          'IMS_PROVIDER_ERROR',
          `Conformance cleanup could not remove what the run left behind:\n- ${problems.join('\n- ')}`,
          {
            hint: `Remove the VMs and templates named ${state.names.runPrefix}* on the hypervisor by hand.`,
            details: { runPrefix: state.names.runPrefix },
          },
        );
      }
    },
  };
}
