import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isImsError, SPI_VERSION } from '@ims/spi';
import type { ImsHost } from './ims-host.js';

/** One line of `ims doctor`. */
export interface DoctorCheck {
  /** What was checked. */
  check: string;
  /** `ok`, `warn` (works, but look at it) or `fail`. */
  status: 'ok' | 'warn' | 'fail';
  /** What was found. */
  detail: string;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What is installed and what each configuration can reach. Never throws: every problem is a line. */
export async function runDoctor(host: ImsHost, options: { timeoutMs?: number } = {}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({
    check: 'node',
    status: major >= 20 ? 'ok' : 'fail',
    detail: `Node.js ${process.versions.node} (IMS needs 20 or later); host SPI ${SPI_VERSION}`,
  });

  try {
    await access(host.home, constants.W_OK);
    const mode = (await stat(host.home)).mode & 0o777;
    checks.push({
      check: 'home',
      status: mode & 0o077 ? 'warn' : 'ok',
      detail: `${host.home} (mode ${mode.toString(8)}${mode & 0o077 ? ', readable by others: chmod 700 it' : ''})`,
    });
  } catch {
    checks.push({
      check: 'home',
      status: 'warn',
      detail: `${host.home} does not exist yet or is not writable; it is created on first use`,
    });
  }
  try {
    const state = await host.store.read();
    checks.push({
      check: 'state',
      status: 'ok',
      detail: `${Object.keys(state.configs).length} configuration(s), ${Object.keys(state.vms).length} VM(s), state version ${state.version}`,
    });
  } catch (error) {
    checks.push({
      check: 'state',
      status: 'fail',
      detail: isImsError(error) ? `${error.message} ${error.hint ?? ''}`.trim() : String(error),
    });
  }
  const secretsMode = await stat(join(host.home, 'secrets.json')).then(
    (s) => s.mode & 0o777,
    () => undefined,
  );
  if (secretsMode !== undefined) {
    checks.push({
      check: 'secrets',
      status: secretsMode === 0o600 ? 'ok' : 'fail',
      detail: `secrets.json mode ${secretsMode.toString(8)}${secretsMode === 0o600 ? '' : ' (must be 600)'}`,
    });
  }

  const rows = await host.registry.rows(true);
  for (const row of rows) {
    checks.push({
      check: `plugin ${row.package}`,
      status: row.status === 'ok' ? 'ok' : 'fail',
      detail:
        row.status === 'ok'
          ? `provider ${row.provider} ${row.version}, SPI ${row.spi}`
          : `${row.status}: ${row.error?.message ?? ''}`,
    });
  }
  if (!rows.some((r) => r.status === 'ok'))
    checks.push({
      check: 'plugins',
      status: 'fail',
      detail: 'no usable provider is installed: `ims plugin install <package>`',
    });

  // A provider that failed verification is not loaded here: its code could hang or end the process.
  const unverified = new Set(rows.filter((r) => r.status !== 'ok' && r.provider).map((r) => r.provider));
  const state = await host.store.read().catch(() => undefined);
  for (const config of Object.values(state?.configs ?? {})) {
    if (unverified.has(config.provider)) {
      checks.push({
        check: `config ${config.name}`,
        status: 'fail',
        detail: `${config.provider}: not checked, its plugin failed verification (see its plugin line)`,
      });
      continue;
    }
    try {
      const { provider } = await host.provider(config.name);
      const info = await withTimeout(
        provider.describe(),
        options.timeoutMs ?? 10_000,
        `configuration ${config.name}`,
      );
      checks.push({
        check: `config ${config.name}`,
        status: 'ok',
        detail: `${config.provider}: ${info.hypervisor} ${info.version}`,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      checks.push({
        check: `config ${config.name}`,
        status: 'fail',
        detail: `${config.provider}: ${message}`,
      });
    }
  }
  return checks;
}
