/**
 * Start (with fresh boot parameters), stop (guest agent, else ACPI, within a time limit; or
 * power off), suspend and resume.
 */
import { posix } from 'node:path';
import { assertValidName, ImsError, type StartOptions, type StopOptions } from '@ims/spi';
import { invalidState, isPaused, isRunning, lookupVm, readDomain, stateOf } from './domains.js';
import type { ProviderEnv } from './env.js';
import {
  type DomainRef,
  DomainState,
  type LibvirtClient,
  libvirtErrorCode,
  ShutdownFlags,
  VirErr,
} from './rpc/index.js';
import { createVolume, deleteVolumes } from './storage.js';
import { DISK_TARGETS, type ParsedDomain } from './xml/index.js';

/** How often the state is polled while waiting for a guest to shut down. */
const STOP_POLL_MS = 100;

/** How long the guest agent may take to answer the ping that decides how to shut down. */
const AGENT_PING_SECONDS = 2;

/** Starts a stopped VM with its boot parameters on a freshly written read-only disk; a running VM is left alone. */
export async function startVm(env: ProviderEnv, name: string, options: StartOptions): Promise<void> {
  assertValidName('vm', name);
  await env.connection.use(
    async (client) => {
      const domain = await lookupVm(client, name);
      const { state } = await stateOf(client, domain);
      if (isRunning(state)) return;
      if (isPaused(state)) {
        throw invalidState(name, 'start', 'suspended', `Resume it with \`ims vm resume ${name}\`.`);
      }
      if (state === DomainState.SHUTDOWN) {
        throw invalidState(name, 'start', 'shutting down', 'Wait until it has stopped, then start it.');
      }
      if (state === DomainState.CRASHED) await client.destroyDomain(domain).catch(() => {});
      const parsed = await readDomain(client, domain);
      await writeBootParameters(env, client, parsed, options);
      if (parsed.consoleLog !== undefined) await env.files.ensureDirectory(posix.dirname(parsed.consoleLog));
      try {
        await client.createDomain(domain);
      } catch (error) {
        // Started by someone else in the meantime: what was asked for holds.
        if (
          libvirtErrorCode(error) === VirErr.OPERATION_INVALID &&
          isRunning((await stateOf(client, domain)).state)
        )
          return;
        throw error;
      }
      env.context.logger.info('VM started', { vm: name });
    },
    { retry: true },
  );
}

/** Replaces the boot-parameter volume with the image for this start. */
async function writeBootParameters(
  env: ProviderEnv,
  client: LibvirtClient,
  parsed: ParsedDomain,
  options: StartOptions,
): Promise<void> {
  const pool = await env.pool(client);
  const disk = parsed.disks.find((d) => d.target === DISK_TARGETS.boot && d.type === 'volume');
  if (disk?.volume === undefined || disk.pool !== pool.name) {
    throw new ImsError(
      'IMS_INVALID_STATE',
      `VM ${parsed.name} has no boot-parameter disk in storage pool ${pool.name}, so it cannot receive its boot parameters.`,
      {
        hint: 'Only VMs created by IMS can be started by IMS; start this one with virsh.',
        details: { vm: parsed.name },
      },
    );
  }
  const image = await env.context.bootImage.build(options.bootParams);
  await deleteVolumes(client, pool, [disk.volume]);
  const volume = await createVolume(client, pool, {
    name: disk.volume,
    capacityBytes: image.length,
    format: 'raw',
  });
  await client.uploadStorageVol(volume, image, { signal: env.context.signal });
}

/** Stops a VM: forced → destroy; otherwise guest agent shutdown if it answers, else ACPI, then waits. */
export async function stopVm(env: ProviderEnv, name: string, options: StopOptions): Promise<void> {
  assertValidName('vm', name);
  await env.connection.use(
    async (client) => {
      const domain = await lookupVm(client, name);
      const { state } = await stateOf(client, domain);
      if (state === DomainState.SHUTOFF) return;
      if (options.force || state === DomainState.CRASHED) {
        await powerOff(client, domain);
        env.context.logger.info('VM powered off', { vm: name });
        return;
      }
      const deadline = env.context.clock.now() + options.timeoutMs;
      // A paused guest cannot react to a shutdown request.
      if (state === DomainState.PAUSED) await client.resumeDomain(domain);
      const how = await requestShutdown(client, domain);
      env.context.logger.info('VM shutdown requested', { vm: name, via: how });
      await waitForShutoff(env, client, domain, deadline, options.timeoutMs);
    },
    { retry: true },
  );
}

async function powerOff(client: LibvirtClient, domain: DomainRef): Promise<void> {
  try {
    await client.destroyDomain(domain);
  } catch (error) {
    // Already off: that is what was asked for.
    if (libvirtErrorCode(error) === VirErr.OPERATION_INVALID) return;
    throw error;
  }
}

/** Asks the guest to shut down: through its agent when it answers, else by the ACPI power button. */
async function requestShutdown(client: LibvirtClient, domain: DomainRef): Promise<'agent' | 'acpi'> {
  if (await agentAnswers(client, domain)) {
    try {
      await client.shutdownDomain(domain, ShutdownFlags.GUEST_AGENT);
      return 'agent';
    } catch {
      // Fall back to ACPI below.
    }
  }
  await client.shutdownDomain(domain, ShutdownFlags.ACPI_POWER_BTN);
  return 'acpi';
}

/** True when the guest agent answers a ping within {@link AGENT_PING_SECONDS}. */
export async function agentAnswers(client: LibvirtClient, domain: DomainRef): Promise<boolean> {
  try {
    await client.qemuAgentCommand(domain, JSON.stringify({ execute: 'guest-ping' }), AGENT_PING_SECONDS);
    return true;
  } catch {
    return false;
  }
}

async function waitForShutoff(
  env: ProviderEnv,
  client: LibvirtClient,
  domain: DomainRef,
  deadline: number,
  timeoutMs: number,
): Promise<void> {
  const { clock, signal } = env.context;
  for (;;) {
    const { state } = await stateOf(client, domain);
    if (state === DomainState.SHUTOFF) return;
    if (clock.now() >= deadline) {
      throw new ImsError(
        'IMS_TIMEOUT',
        `VM ${domain.name} did not shut down within ${Math.round(timeoutMs / 100) / 10} s (its guest agent and ACPI were asked).`,
        {
          hint: `Give it more time with --timeout, or power it off with \`ims vm stop ${domain.name} --force\`.`,
          details: { vm: domain.name, timeoutMs },
        },
      );
    }
    await clock.sleep(Math.min(STOP_POLL_MS, Math.max(1, deadline - clock.now())), signal);
  }
}

/** Pauses a running VM. */
export async function suspendVm(env: ProviderEnv, name: string): Promise<void> {
  assertValidName('vm', name);
  await env.connection.use(
    async (client) => {
      const domain = await lookupVm(client, name);
      const { state } = await stateOf(client, domain);
      if (!isRunning(state)) {
        throw invalidState(name, 'suspend', stateWord(state), 'Only a running VM can be suspended.');
      }
      await client.suspendDomain(domain);
    },
    { retry: false },
  );
}

/** Resumes a VM paused by suspend. */
export async function resumeVm(env: ProviderEnv, name: string): Promise<void> {
  assertValidName('vm', name);
  await env.connection.use(
    async (client) => {
      const domain = await lookupVm(client, name);
      const { state } = await stateOf(client, domain);
      if (state !== DomainState.PAUSED) {
        const hint =
          state === DomainState.PMSUSPENDED
            ? 'The guest suspended itself; wake it from inside or with `virsh dompmwakeup`.'
            : 'Only a suspended VM can be resumed.';
        throw invalidState(name, 'resume', stateWord(state), hint);
      }
      await client.resumeDomain(domain);
    },
    { retry: false },
  );
}

function stateWord(state: number): string {
  switch (state) {
    case DomainState.RUNNING:
    case DomainState.BLOCKED:
      return 'running';
    case DomainState.PAUSED:
      return 'suspended';
    case DomainState.PMSUSPENDED:
      return 'suspended by the guest';
    case DomainState.SHUTDOWN:
      return 'shutting down';
    case DomainState.SHUTOFF:
      return 'stopped';
    case DomainState.CRASHED:
      return 'crashed';
    default:
      return `in libvirt state ${state}`;
  }
}
