/**
 * `ims-ovm-manager-sim`: runs the simulated OVM Manager in the foreground until SIGTERM/SIGINT.
 * Prints `listening <url>`, then `xm <path>` and `xentop <path>`.
 */
import { parseArgs } from 'node:util';
import { type OvmManagerSimulator, startOvmManagerSimulator } from './index.js';

/** The usage text. */
export const USAGE = `usage: ims-ovm-manager-sim --ovs-root DIR [--port N] [--pool NAME] [--master-ip IP]
                            [--user U] [--password-env VAR] [--latency MS]

  --ovs-root DIR       the simulated dom0's /OVS root (created if missing)
  --port N             TCP port on 127.0.0.1 (default 0: a free port)
  --pool NAME          server pool name (default pool1)
  --master-ip IP       the pool master's address reported by the services (default 127.0.0.1)
  --user U             Basic-auth user (default admin)
  --password-env VAR   read the password from environment variable VAR (default password: admin)
  --latency MS         delay every SOAP request by MS milliseconds
`;

/** What the CLI was asked to do. */
export interface CliSettings {
  /** Root directory. */
  ovsRoot: string;
  /** Port. */
  port: number;
  /** Pool name. */
  poolName: string;
  /** Master address. */
  masterIp: string;
  /** The one user. */
  user: string;
  /** Its password. */
  password: string;
  /** Latency on every request, ms. */
  latencyMs: number;
}

function nonNegativeInt(flag: string, value: string | undefined, max: number): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value) || Number(value) > max)
    throw new Error(`${flag} needs a whole number from 0 to ${max}`);
  return Number(value);
}

/** Parses the command line; throws an Error saying what is wrong. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliSettings {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      'ovs-root': { type: 'string' },
      port: { type: 'string' },
      pool: { type: 'string' },
      'master-ip': { type: 'string' },
      user: { type: 'string' },
      'password-env': { type: 'string' },
      latency: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
  const ovsRoot = values['ovs-root'];
  if (ovsRoot === undefined || ovsRoot === '') throw new Error('--ovs-root is required');
  let password = 'admin';
  const passwordEnv = values['password-env'];
  if (passwordEnv !== undefined) {
    const fromEnv = env[passwordEnv];
    if (fromEnv === undefined || fromEnv === '')
      throw new Error(`environment variable ${passwordEnv} is not set`);
    password = fromEnv;
  }
  const user = values.user ?? 'admin';
  if (user === '' || user.includes(':')) throw new Error('--user must be non-empty and contain no ":"');
  return {
    ovsRoot,
    port: nonNegativeInt('--port', values.port, 65535),
    poolName: values.pool ?? 'pool1',
    masterIp: values['master-ip'] ?? '127.0.0.1',
    user,
    password,
    latencyMs: nonNegativeInt('--latency', values.latency, 600_000),
  };
}

/** Runs the CLI; resolves with the exit code once the simulator stopped. */
export async function cliMain(argv: readonly string[]): Promise<number> {
  let settings: CliSettings;
  try {
    settings = parseCli(argv, process.env);
  } catch (error) {
    process.stderr.write(`ims-ovm-manager-sim: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  let sim: OvmManagerSimulator;
  try {
    sim = await startOvmManagerSimulator({
      ovsRoot: settings.ovsRoot,
      port: settings.port,
      poolName: settings.poolName,
      masterIp: settings.masterIp,
      users: { [settings.user]: settings.password },
      permanentLatencyMs: settings.latencyMs,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    process.stderr.write(`ims-ovm-manager-sim: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`listening ${sim.url}\nxm ${sim.xmPath}\nxentop ${sim.xentopPath}\n`);
  await new Promise<void>((resolve) => {
    const onSignal = (): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await sim.stop();
  return 0;
}
