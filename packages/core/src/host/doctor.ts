import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isImsError, SPI_VERSION } from '@ims/spi';
import type { PendingOperation } from '../state/model.js';
import type { ImsHost } from './ims-host.js';
import { describePending, processOf, rollBack } from './journal.js';
import { ownerOf } from './process-owner.js';
import { removeWorkDir, workDirLeftovers } from './work-dirs.js';

/** What an interrupted command left behind, as `ims doctor --json` shows it. */
export interface DoctorLeftover {
  /** `vm-create`, `template-import` (a journal entry) or `work-dir` (a directory under `IMS_HOME/tmp`). */
  kind: PendingOperation['kind'] | 'work-dir';
  /** Configuration (journal entries). */
  config?: string;
  /** VM or template name (journal entries). */
  name?: string;
  /** The process that left it, when known. */
  pid?: number;
  /** When that operation started (journal entries). */
  startedAt?: string;
  /** The directory (work directories). */
  path?: string;
  /** Its size in bytes (work directories). */
  sizeBytes?: number;
}

/** One line of `ims doctor`. */
export interface DoctorCheck {
  /** What was checked. */
  check: string;
  /** `ok`, `warn` (works, but look at it) or `fail`. */
  status: 'ok' | 'warn' | 'fail';
  /** What was found. */
  detail: string;
  /** Set on the lines about something an interrupted command left. */
  leftover?: DoctorLeftover;
  /** With `--repair`: whether it was rolled back or removed. */
  repaired?: boolean;
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

/**
 * What is installed, what each configuration can reach, and what interrupted commands left; with
 * `repair`, leftovers are rolled back. Never throws: every problem is a line.
 */
export async function runDoctor(
  host: ImsHost,
  options: { timeoutMs?: number; repair?: boolean } = {},
): Promise<DoctorCheck[]> {
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
  checks.push(...(await leftoverChecks(host, options.repair ?? false)));
  return checks;
}

/** A line per journal entry and per work directory of a dead process; rolled back with `repair`. */
async function leftoverChecks(host: ImsHost, repair: boolean): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const state = await host.store.read().catch(() => undefined);
  const entries = Object.values(state?.pending ?? {}).sort((a, b) => a.id.localeCompare(b.id));
  for (const entry of entries) {
    const check = `interrupted ${entry.kind.replace('-', ' ')} ${entry.kind === 'vm-create' ? entry.name : `${entry.config}/${entry.name}`}`;
    const leftover: DoctorLeftover = {
      kind: entry.kind,
      config: entry.config,
      name: entry.name,
      pid: entry.pid,
      startedAt: entry.startedAt,
    };
    const owner = ownerOf(entry);
    if (owner === 'alive' || owner === 'self') {
      checks.push({
        check: check.replace('interrupted', 'running'),
        status: 'ok',
        detail: `${describePending(entry)} is in progress in process ${entry.pid} since ${entry.startedAt}`,
      });
      continue;
    }
    if (owner === 'elsewhere') {
      checks.push({
        check,
        status: 'warn',
        detail: `${describePending(entry)} was started by process ${entry.pid} on host ${entry.hostname} at ${entry.startedAt}; whether it still runs cannot be told from here: run \`ims doctor --repair\` on ${entry.hostname}`,
        leftover,
      });
      continue;
    }
    if (!repair) {
      checks.push({
        check,
        status: 'fail',
        detail: `${describePending(entry)} was interrupted (${processOf(entry)}, started ${entry.startedAt}); the hypervisor may hold part of it: \`ims doctor --repair\` rolls it back`,
        leftover,
      });
      continue;
    }
    try {
      await rollBack(host, entry);
      checks.push({
        check,
        status: 'ok',
        detail: `rolled back ${describePending(entry)} (${processOf(entry)} had been interrupted): nothing of it is left`,
        leftover,
        repaired: true,
      });
    } catch (error) {
      checks.push({
        check,
        status: 'fail',
        detail: `could not roll back ${describePending(entry)}: ${error instanceof Error ? error.message : String(error)}`,
        leftover,
        repaired: false,
      });
    }
  }
  for (const dir of await workDirLeftovers(host)) {
    const leftover: DoctorLeftover = {
      kind: 'work-dir',
      path: dir.path,
      sizeBytes: dir.sizeBytes,
      ...(dir.pid !== undefined ? { pid: dir.pid } : {}),
    };
    const whose = dir.pid === undefined ? 'a process that is gone' : `process ${dir.pid}, which is gone`;
    if (!repair) {
      checks.push({
        check: 'leftover work directory',
        status: 'warn',
        detail: `${dir.path} (${dir.sizeBytes} bytes) was left by ${whose}: \`ims doctor --repair\` removes it`,
        leftover,
      });
      continue;
    }
    try {
      await removeWorkDir(host, dir.path);
      checks.push({
        check: 'leftover work directory',
        status: 'ok',
        detail: `removed ${dir.path} (${dir.sizeBytes} bytes), left by ${whose}`,
        leftover,
        repaired: true,
      });
    } catch (error) {
      checks.push({
        check: 'leftover work directory',
        status: 'fail',
        detail: `could not remove ${dir.path}: ${error instanceof Error ? error.message : String(error)}`,
        leftover,
        repaired: false,
      });
    }
  }
  return checks;
}
