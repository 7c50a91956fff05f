/**
 * An OVM provider against the OVM Manager simulator, with a real OpenSSH server on 127.0.0.1 as
 * dom0: the simulator's OVS root is a temporary directory on this machine, which the provider
 * reaches over SSH/SFTP exactly as it would reach a pool master.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createProviderContext } from '@ims/core';
import { type ErrorCode, isImsError, type Provider, type ProviderContext } from '@ims/spi';
import { afterAll, beforeAll, expect } from 'vitest';
import { assertProviderBuilt } from '../../core/test/cli/provider-build.js';
import { rejection } from '../../core/test/rejection.js';
import { startSshd, type TestSshd } from '../../core/test/ssh/sshd.js';
import type { OvmConfig } from '../src/config.js';
import plugin from '../src/index.js';
import { startOvmManagerSimulator } from '../src/simulator/index.js';

/** The Manager user the simulator accepts. */
export const MANAGER_USER = 'admin';
/** Its password. */
export const MANAGER_PASSWORD = 'secret';

/** A running simulator. */
export type Simulator = Awaited<ReturnType<typeof startOvmManagerSimulator>>;

/** Short simulated delays: the tests wait for real transitions, but briefly. */
export const SIM_DELAYS = { bootMs: 200, transitionMs: 100 };

/** Everything an integration test needs. */
export interface OvmFixture {
  /** The temporary directory holding the OVS root and the IMS home. */
  dir: string;
  /** The simulated dom0's `/OVS`. */
  ovsRoot: string;
  /** The simulator. */
  sim: Simulator;
  /** The SSH server playing dom0 (absent in local mode). */
  sshd: TestSshd | undefined;
  /** The IMS home (known_hosts). */
  home: string;
  /** Options the provider was made with. */
  config: OvmConfig;
  /** Its context. */
  context: ProviderContext;
  /** The provider. */
  provider: Provider;
  /** Another provider instance in the same home, with other options. */
  providerWith(overrides: Partial<OvmConfig>, context?: ProviderContext): Promise<Provider>;
  /** Entry names in seed_pool (hidden ones included), sorted. */
  seedPool(): Promise<string[]>;
  /** Entry names in running_pool, sorted. */
  runningPool(): Promise<string[]>;
  /** Closes the providers, stops the servers and removes the directory. */
  teardown(): Promise<void>;
}

/** Options of {@link startOvmFixture}. */
export interface FixtureOptions {
  /** dom0 is this machine (`dom0Host: local`) instead of the SSH server. */
  local?: boolean;
  /** Use this SSH server instead of starting one (its owner stops it). */
  sshd?: TestSshd;
}

/** Starts a simulator (and an SSH server) and makes a provider for them. */
export async function startOvmFixture(prefix: string, options: FixtureOptions = {}): Promise<OvmFixture> {
  const dir = await mkdtemp(join(tmpdir(), `ims-ovm-${prefix}-`));
  const ovsRoot = join(dir, 'OVS');
  const home = join(dir, 'home');
  await mkdir(join(ovsRoot, 'seed_pool'), { recursive: true });
  await mkdir(join(ovsRoot, 'running_pool'), { recursive: true });
  await mkdir(join(home, 'data'), { recursive: true });
  const made: Provider[] = [];
  let sim: Simulator | undefined;
  let ownSshd: TestSshd | undefined;
  try {
    sim = await startOvmManagerSimulator({
      ovsRoot,
      port: 0,
      users: { [MANAGER_USER]: MANAGER_PASSWORD },
      delays: SIM_DELAYS,
    });
    if (!options.local && options.sshd === undefined) ownSshd = await startSshd();
    const sshd = options.local ? undefined : (options.sshd ?? ownSshd);
    const config = fixtureConfig(sim, ovsRoot, sshd);
    const context = createProviderContext({
      home,
      configName: `${prefix}-config`,
      dataDir: join(home, 'data'),
    });
    const provider = await plugin.create(context, config);
    made.push(provider);
    const running = sim;
    return {
      dir,
      ovsRoot,
      sim: running,
      sshd,
      home,
      config,
      context,
      provider,
      async providerWith(overrides, otherContext = context) {
        const another = await plugin.create(otherContext, { ...config, ...overrides });
        made.push(another);
        return another;
      },
      seedPool: () => entries(join(ovsRoot, 'seed_pool')),
      runningPool: () => entries(join(ovsRoot, 'running_pool')),
      async teardown() {
        for (const p of made) await p.close().catch(() => {});
        await running.stop().catch(() => {});
        await ownSshd?.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await sim?.stop().catch(() => {});
    await ownSshd?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A simulator and an SSH server as dom0, for tests that drive the built `ims` CLI (which makes its own providers). */
export interface OvmServers {
  /** The temporary directory holding the OVS root and the IMS home. */
  dir: string;
  /** The IMS home to run `ims` with. */
  home: string;
  /** The simulated dom0's `/OVS`. */
  ovsRoot: string;
  /** The simulator. */
  sim: Simulator;
  /** The SSH server playing dom0. */
  sshd: TestSshd;
  /** Stops the servers and removes the directory. */
  stop(): Promise<void>;
}

/** Starts an SSH server and a simulator in a new temporary directory named after `prefix`. */
export async function startOvmServers(prefix: string): Promise<OvmServers> {
  const dir = await mkdtemp(join(tmpdir(), `ims-ovm-${prefix}-`));
  const ovsRoot = join(dir, 'OVS');
  let sshd: TestSshd | undefined;
  try {
    sshd = await startSshd();
    const sim = await startOvmManagerSimulator({
      ovsRoot,
      port: 0,
      users: { [MANAGER_USER]: MANAGER_PASSWORD },
      delays: SIM_DELAYS,
    });
    const dom0 = sshd;
    return {
      dir,
      home: join(dir, 'home'),
      ovsRoot,
      sim,
      sshd: dom0,
      async stop() {
        await sim.stop();
        await dom0.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await sshd?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Starts the servers before this test file's tests (after checking that the provider is built, for
 * the `ims` CLI to load) and stops them after; the returned object holds them once started.
 */
export function useOvmServers(prefix: string): OvmServers {
  const servers = {} as OvmServers;
  beforeAll(async () => {
    assertProviderBuilt(resolve(import.meta.dirname, '..'));
    Object.assign(servers, await startOvmServers(prefix));
  }, 60_000);
  afterAll(async () => {
    await servers.stop?.();
  });
  return servers;
}

/** The `ims config create` words for an OVM configuration on these servers, dom0 over SSH. */
export function configCreateWords(servers: OvmServers, configName: string): string[] {
  const { sim, sshd, ovsRoot } = servers;
  return [
    ...['config', 'create', configName, '--provider', 'ovm', '--manager-url', sim.url],
    ...['--username', MANAGER_USER, '--password-env', 'OVM_PASSWORD', '--server-pool', sim.poolName],
    ...['--dom0-host', '127.0.0.1', '--dom0-port', String(sshd.port), '--dom0-user', sshd.username],
    ...['--dom0-key', sshd.clientKeyPath, '--host-key-fingerprint', sshd.fingerprint],
    ...['--ovs-root', ovsRoot],
  ];
}

/** The provider options for a simulator and an SSH server (or local dom0 without one). */
export function fixtureConfig(sim: Simulator, ovsRoot: string, sshd: TestSshd | undefined): OvmConfig {
  const config: OvmConfig = {
    managerUrl: sim.url,
    username: MANAGER_USER,
    password: MANAGER_PASSWORD,
    serverPool: sim.poolName,
    dom0User: sshd?.username ?? 'root',
    dom0Port: sshd?.port ?? 22,
    ovsRoot,
    bridge: 'xenbr0',
    xentopCommand: sim.xentopPath,
    requestTimeoutMs: 10_000,
  };
  if (sshd === undefined) config.dom0Host = 'local';
  else {
    config.dom0Host = '127.0.0.1';
    config.dom0Key = sshd.clientKeyPath;
    config.hostKeyFingerprint = sshd.fingerprint;
  }
  return config;
}

async function entries(path: string): Promise<string[]> {
  return (await readdir(path).catch(() => [] as string[])).sort();
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function failure(
  promise: Promise<unknown>,
): Promise<Error & { code: ErrorCode; hint?: string; details: Record<string, unknown> }> {
  return (await rejection(promise)) as never;
}

/** Asserts that a promise rejects with an IMS error of this code (and message). */
export async function expectCode(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp,
): Promise<Error & { code: ErrorCode; hint?: string }> {
  const error = await failure(promise);
  expect(isImsError(error), String(error)).toBe(true);
  expect(error.code, error.message).toBe(code);
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}
