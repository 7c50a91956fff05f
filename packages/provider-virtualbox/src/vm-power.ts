/**
 * Start (boot ISO and guest property with this start's parameters, then `startvm`), stop (ACPI
 * power button and wait, or power off), suspend (`savestate`) and resume (`startvm` from the saved
 * state, or `controlvm resume` for a VM paused outside IMS).
 */
import { posix } from 'node:path';
import { assertValidName, ImsError, type StartOptions, type StopOptions } from '@ims/spi';
import type { ProviderEnv } from './env.js';
import { invalidState, showVm } from './machines.js';
import { bootIsoPath, vmFolderOf } from './names.js';
import type { MachineInfo } from './parse/machine-info.js';
import { isOffState, isRunningState } from './parse/states.js';

/** How often the state is polled while waiting for a guest to shut down. */
const STOP_POLL_MS = 200;

/**
 * The guest property holding this start's whole `bootparams.conf`, base64-encoded, for guests
 * that read properties. Encoded because the file holds user values with newlines and anything
 * else, and `guestproperty enumerate` prints values raw: a value must never be readable as
 * another property, by IMS or by any other tool. `RDONLYGUEST`: the guest may read it, not change it.
 */
export const BOOTPARAMS_PROPERTY = '/IMS/bootparams/conf';

/** The property's value: `bootparams.conf` in base64 (only `A-Za-z0-9+/=`, no separators of either layout). */
export function encodeBootparamsProperty(conf: string): string {
  return Buffer.from(conf, 'utf8').toString('base64');
}

/** The DVD slot of the boot ISO: IDE controller, port 1, device 0. */
const BOOT_SLOT = ['--storagectl', 'IDE', '--port', '1', '--device', '0', '--type', 'dvddrive'] as const;

/** Starts a stopped VM with its boot parameters; a running one is left alone. */
export async function startVm(env: ProviderEnv, name: string, options: StartOptions): Promise<void> {
  assertValidName('vm', name);
  const info = await showVm(env, name);
  const state = info.vmState;
  if (isRunningState(state) || state === 'starting' || state === 'restoring') return;
  if (state === 'saved' || state === 'paused') {
    throw invalidState(name, 'start', 'suspended', `Resume it with \`ims vm resume ${name}\`.`);
  }
  if (!isOffState(state)) {
    throw invalidState(
      name,
      'start',
      `${state} in VirtualBox`,
      'Wait until VirtualBox has finished, then retry.',
    );
  }
  await deliverBootParameters(env, info, options);
  const startedAt = env.context.clock.now();
  try {
    await env.vbox.run(['startvm', name, '--type', 'headless'], { vm: name });
  } catch (error) {
    // Started by someone else meanwhile: what was asked for holds.
    if (!isRunningState((await showVm(env, name)).vmState)) throw error;
  }
  // After the start: VirtualBox only collects metrics of a running VM. Metrics are not worth
  // failing a start for; getMetrics sets up collection for running VMs that have none.
  const setup = await env.vbox.run(['metrics', 'setup', '--period', '1', '--samples', '1', name], {
    allowFailure: true,
  });
  if (!setup.ok)
    env.context.logger.debug('metrics setup failed', { vm: name, stderr: setup.stderr.slice(0, 200) });
  await recordBoot(env, name, startedAt, options);
  env.context.logger.info('VM started', { vm: name });
}

/** The boot ISO next to the VM's settings, in its DVD drive, and the same settings as a guest property. */
async function deliverBootParameters(
  env: ProviderEnv,
  info: MachineInfo,
  options: StartOptions,
): Promise<void> {
  const name = info.name;
  const controllers = [...info.raw]
    .filter(([key]) => /^storagecontrollername\d+$/.test(key))
    .map(([, v]) => v);
  if (controllers.length > 0 && !controllers.includes('IDE')) {
    throw new ImsError(
      'IMS_INVALID_STATE',
      `VM ${name} has no IDE controller for its boot-parameter DVD, so it cannot receive its boot parameters.`,
      {
        hint: 'Only VMs created by IMS can be started by IMS; start this one with VBoxManage.',
        details: { vm: name },
      },
    );
  }
  const directory =
    info.configFile === undefined ? vmFolderOf(env.vmFolder, name) : posix.dirname(info.configFile);
  const iso = bootIsoPath(directory, name);
  const image = await env.context.bootImage.build(options.bootParams);
  // Out of the drive while the file is replaced, so VirtualBox never holds the old image open.
  const current = info.raw.get('IDE-1-0');
  if (current !== undefined && current !== 'none' && current !== 'emptydrive') {
    await env.vbox.run(['storageattach', name, ...BOOT_SLOT, '--medium', 'emptydrive'], { vm: name });
  }
  await rememberBootIso(env, info, iso);
  await env.host.writeFile(iso, image);
  await env.vbox.run(['storageattach', name, ...BOOT_SLOT, '--medium', iso], { vm: name });
  const conf = env.context.bootImage.renderConf(options.bootParams);
  await env.vbox.run(
    [
      'guestproperty',
      'set',
      name,
      BOOTPARAMS_PROPERTY,
      encodeBootparamsProperty(conf),
      '--flags',
      'RDONLYGUEST',
    ],
    { vm: name },
  );
}

/** Notes the ISO in the VM's record before writing it, so `vm delete` knows the file is IMS's. */
async function rememberBootIso(env: ProviderEnv, info: MachineInfo, iso: string): Promise<void> {
  const record = await env.records.vms.get(info.name);
  if (record === undefined || record.uuid !== info.uuid || record.bootIso === iso) return;
  record.bootIso = iso;
  await env.records.vms.put(record);
}

/** Remembers when this boot began, on both clocks, so older guest properties are known to be stale. */
async function recordBoot(
  env: ProviderEnv,
  name: string,
  startedAt: number,
  options: StartOptions,
): Promise<void> {
  const record = await env.records.vms.get(name);
  if (record === undefined) return;
  const after = await showVm(env, name).catch(() => undefined);
  const nics = options.bootParams.nics.map((nic) => ({
    mac: nic.mac,
    address: nic.address === 'dhcp' ? 'dhcp' : `${nic.address.address}/${nic.address.prefix}`,
  }));
  record.boot = { startedAt, nics };
  if (after?.stateChangedAt !== undefined && after.uuid === record.uuid)
    record.boot.hostStartedAt = after.stateChangedAt;
  await env.records.vms.put(record);
}

/** Stops a VM: forced → power off; otherwise the ACPI power button, then waits up to the timeout. */
export async function stopVm(env: ProviderEnv, name: string, options: StopOptions): Promise<void> {
  assertValidName('vm', name);
  let state = (await showVm(env, name)).vmState;
  if (isOffState(state) && state !== 'saved') return;
  if (state === 'saved') {
    // Only a running VM can be powered off or shut down; restoring it first is the way with VBoxManage alone.
    await env.vbox.run(['startvm', name, '--type', 'headless'], { vm: name });
    state = 'running';
  }
  if (options.force) {
    await powerOff(env, name);
    env.context.logger.info('VM powered off', { vm: name });
    return;
  }
  const deadline = env.context.clock.now() + options.timeoutMs;
  // A paused guest cannot react to the power button.
  if (state === 'paused') await env.vbox.run(['controlvm', name, 'resume'], { vm: name });
  await env.vbox.run(['controlvm', name, 'acpipowerbutton'], { vm: name });
  env.context.logger.info('VM shutdown requested (ACPI power button)', { vm: name });
  await waitUntilOff(env, name, deadline, options.timeoutMs);
}

async function powerOff(env: ProviderEnv, name: string): Promise<void> {
  const outcome = await env.vbox.run(['controlvm', name, 'poweroff'], { vm: name, allowFailure: true });
  if (outcome.ok) return;
  // Already off (it shut down meanwhile): that is what was asked for.
  if (isOffState((await showVm(env, name)).vmState)) return;
  await env.vbox.run(['controlvm', name, 'poweroff'], { vm: name });
}

async function waitUntilOff(
  env: ProviderEnv,
  name: string,
  deadline: number,
  timeoutMs: number,
): Promise<void> {
  const { clock, signal } = env.context;
  for (;;) {
    const state = (await showVm(env, name)).vmState;
    if (isOffState(state)) return;
    if (clock.now() >= deadline) {
      throw new ImsError(
        'IMS_TIMEOUT',
        `VM ${name} did not shut down within ${Math.round(timeoutMs / 100) / 10} s of the ACPI power button (it is ${state}).`,
        {
          hint: `Give it more time with --timeout, or power it off with \`ims vm stop ${name} --force\`.`,
          details: { vm: name, timeoutMs, state },
        },
      );
    }
    await clock.sleep(Math.min(STOP_POLL_MS, Math.max(1, deadline - clock.now())), signal);
  }
}

/** Saves a running VM's state to disk (`savestate`); VirtualBox then shows it as `saved`. */
export async function suspendVm(env: ProviderEnv, name: string): Promise<void> {
  assertValidName('vm', name);
  const state = (await showVm(env, name)).vmState;
  if (state !== 'running') {
    throw invalidState(name, 'suspend', describeState(state), 'Only a running VM can be suspended.');
  }
  await env.vbox.run(['controlvm', name, 'savestate'], { vm: name });
  env.context.logger.info('VM suspended (state saved)', { vm: name });
}

/** Resumes a suspended VM: restores a saved one, unpauses a paused one. */
export async function resumeVm(env: ProviderEnv, name: string): Promise<void> {
  assertValidName('vm', name);
  const state = (await showVm(env, name)).vmState;
  if (state === 'saved') {
    await env.vbox.run(['startvm', name, '--type', 'headless'], { vm: name });
  } else if (state === 'paused') {
    await env.vbox.run(['controlvm', name, 'resume'], { vm: name });
  } else {
    throw invalidState(name, 'resume', describeState(state), 'Only a suspended VM can be resumed.');
  }
  env.context.logger.info('VM resumed', { vm: name });
}

function describeState(state: string): string {
  if (state === 'running') return 'running';
  if (state === 'saved' || state === 'paused') return 'suspended';
  if (state === 'poweroff') return 'stopped';
  return `${state} in VirtualBox`;
}
