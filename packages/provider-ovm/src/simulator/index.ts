/**
 * A simulated Oracle VM Manager 2.2 for tests and demos: the four SOAP web services over HTTP
 * with Basic auth, one server pool whose dom0 file system lives under `ovsRoot`, simulated
 * guests that read their boot parameters, and `xm` / `xentop` shims for the dom0 side.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as soap from 'soap';
import { writeShimWrappers } from './dom0/wrappers.js';
import { FaultInjector, type FaultSpec } from './fault-injection.js';
import { handleRequest } from './http-front.js';
import { ManagerModel } from './manager-model.js';
import type { SimulatedVm } from './model-types.js';
import { createSoapServices } from './soap-services.js';
import { OVM_SERVICES, renderWsdl } from './wsdl.js';

export type { FaultSpec } from './fault-injection.js';
export type { SimulatedVm } from './model-types.js';
export type { VmState } from './vm-states.js';

/** Options of {@link startOvmManagerSimulator}. */
export interface OvmManagerSimulatorOptions {
  /** The dom0 `/OVS` root (seed_pool, running_pool, iso_pool, sharedDisk are created in it). */
  ovsRoot: string;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** The server pool's name (default `pool1`). */
  poolName?: string;
  /** The pool master's address (default 127.0.0.1). */
  masterIp?: string;
  /** Accepted Basic-auth users (default `{ admin: 'admin' }`). */
  users?: Record<string, string>;
  /** Delays of the simulated guest boot and intermediate states, ms. */
  delays?: { bootMs?: number; transitionMs?: number };
  /** Where log lines go (default: nowhere). */
  log?: (line: string) => void;
}

/** A running simulator. */
export interface OvmManagerSimulator {
  /** Base URL, `http://127.0.0.1:PORT`; services are at `<url>/OVSWS/<Service>`. */
  url: string;
  /** The TCP port. */
  port: number;
  /** The dom0 `/OVS` root. */
  ovsRoot: string;
  /** The server pool's name. */
  poolName: string;
  /** The simulated `xm` wrapper script. */
  xmPath: string;
  /** The simulated `xentop` wrapper script. */
  xentopPath: string;
  /** Arms a fault for the next matching request(s). */
  injectFault(fault: FaultSpec): void;
  /** Disarms every fault. */
  clearFaults(): void;
  /** A snapshot of the VMs. */
  vms(): readonly SimulatedVm[];
  /** Stops listening and cancels pending transitions. */
  stop(): Promise<void>;
}

/** Internal option of the CLI: a latency on every request. */
export interface SimulatorInternals {
  /** Milliseconds added to every SOAP request. */
  permanentLatencyMs?: number;
}

// modelled: default delays, short so tests stay fast
const DEFAULT_BOOT_MS = 300;
const DEFAULT_TRANSITION_MS = 300;

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function attachSoap(soapHost: Server, model: ManagerModel, baseUrl: string): Promise<void> {
  const services = createSoapServices(model);
  for (const service of OVM_SERVICES) {
    await new Promise<void>((resolve, reject) => {
      soap.listen(soapHost, {
        path: `/OVSWS/${service.name}`,
        services,
        xml: renderWsdl(service, `${baseUrl}/OVSWS/${service.name}`),
        callback: (error: unknown) => (error ? reject(error) : resolve()),
      });
    });
  }
}

/** Starts a simulated OVM Manager 2.2; resolves once it listens. */
export async function startOvmManagerSimulator(
  options: OvmManagerSimulatorOptions & SimulatorInternals,
): Promise<OvmManagerSimulator> {
  const log = options.log ?? (() => undefined);
  const model = new ManagerModel({
    ovsRoot: options.ovsRoot,
    poolName: options.poolName ?? 'pool1',
    masterIp: options.masterIp ?? '127.0.0.1',
    bootMs: options.delays?.bootMs ?? DEFAULT_BOOT_MS,
    transitionMs: options.delays?.transitionMs ?? DEFAULT_TRANSITION_MS,
    log,
  });
  await model.init();
  const shims = await writeShimWrappers(model.paths.binDir, options.ovsRoot);
  const faults = new FaultInjector();
  if (options.permanentLatencyMs !== undefined && options.permanentLatencyMs > 0) {
    faults.inject({ kind: 'latency', ms: options.permanentLatencyMs, times: Number.POSITIVE_INFINITY });
  }

  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  const soapHost = createServer();
  const port = await listen(server, options.port ?? 0, host);
  const url = `http://${urlHost(host)}:${port}`;
  try {
    await attachSoap(soapHost, model, url);
  } catch (error) {
    server.close();
    throw error;
  }
  const users = options.users ?? { admin: 'admin' };
  server.on('request', (req, res) => {
    handleRequest(req, res, { users, faults, soapHost, defaultBaseUrl: url, log }).catch((error: unknown) => {
      log(`request failed: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  log(`OVM Manager simulator listening on ${url} (pool ${model.settings.poolName}, root ${options.ovsRoot})`);

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    ovsRoot: options.ovsRoot,
    poolName: model.settings.poolName,
    xmPath: shims.xmPath,
    xentopPath: shims.xentopPath,
    injectFault: (fault) => faults.inject(fault),
    clearFaults: () => faults.clear(),
    vms: () => model.vms(),
    stop: () => {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await model.stop();
      })();
      return stopped;
    },
  };
}
