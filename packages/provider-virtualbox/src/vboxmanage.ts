/**
 * Running VBoxManage: argv only, a fixed locale, VirtualBox's own idea of failure (a non-zero
 * exit, or an `error:` line on stderr even with exit 0 — except `startvm`, whose success text wins
 * over exit 1), retries while the machine is locked by another session, and IMS errors that keep
 * VirtualBox's message.
 */
import { type Clock, ImsError, isImsError, type Logger } from '@ims/spi';
import type { VBoxHost } from './host.js';
import {
  hasErrorLine,
  isLockMessage,
  parseErrorBlock,
  VBOX_RESULT,
  type VBoxErrorBlock,
} from './parse/errors.js';
import { parseVersion, startSucceeded, type VBoxVersion } from './parse/outputs.js';

/** The locale every call runs in: 7.x translates its output otherwise. */
const LOCALE = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } as const;

/** How calls that find the machine locked are repeated. */
export interface LockRetry {
  /** Tries in all (1 = no retry). */
  attempts: number;
  /** The whole wait between the first and the last try, in ms; the pauses double each time. */
  budgetMs: number;
}

/** Everything a {@link VBoxManage} needs. */
export interface VBoxManageOptions {
  /** Where VBoxManage runs. */
  host: VBoxHost;
  /** The executable (name on PATH or path) on that host. */
  executable: string;
  /** Time, for the pauses between retries. */
  clock: Clock;
  /** Cancels calls and pauses. */
  signal: AbortSignal;
  /** Debug lines per call. */
  logger: Logger;
  /** Retries while locked. */
  lockRetry: LockRetry;
  /** Kill a call after this many ms. */
  timeoutMs: number;
}

/** Options of one call. */
export interface VBoxCallOptions {
  /** The VM the call concerns: "object not found" then means `IMS_VM_NOT_FOUND` for it. */
  vm?: string;
  /** Resolve with the failure instead of throwing (missing executables and lost connections still throw). */
  allowFailure?: boolean;
  /** Repeat the call while the machine is locked (default true; only for calls that change nothing when refused). */
  retryWhileLocked?: boolean;
}

/** How a call went. */
export interface VBoxOutcome {
  /** True when VirtualBox did what was asked. */
  ok: boolean;
  /** Exit code (null when killed by a signal). */
  exitCode: number | null;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** The parsed error block, when there was one. */
  error?: VBoxErrorBlock;
}

/** A VBoxManage on one host. */
export class VBoxManage {
  readonly #options: VBoxManageOptions;
  #version: Promise<VBoxVersion> | undefined;

  /** Connects to nothing yet. */
  constructor(options: VBoxManageOptions) {
    this.#options = options;
  }

  /** The executable as configured. */
  get executable(): string {
    return this.#options.executable;
  }

  /** Where it runs. */
  get target(): string {
    return this.#options.host.target;
  }

  /** Runs `VBoxManage ...args`; throws an {@link ImsError} on failure unless `allowFailure`. */
  async run(args: readonly string[], options: VBoxCallOptions = {}): Promise<VBoxOutcome> {
    const { attempts, budgetMs } = this.#options.lockRetry;
    const tries = options.retryWhileLocked === false ? 1 : Math.max(1, attempts);
    let pause = tries > 1 ? budgetMs / (2 ** (tries - 1) - 1) : 0;
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#once(args);
      if (outcome.ok) return outcome;
      const locked = isLocked(outcome.error);
      if (locked && attempt < tries) {
        this.#options.logger.debug('VirtualBox machine locked; retrying', {
          command: args[0],
          vm: options.vm,
          attempt,
        });
        await this.#options.clock.sleep(pause, this.#options.signal);
        waited += pause;
        pause *= 2;
        continue;
      }
      if (options.allowFailure) return outcome;
      if (locked) throw lockedError(args, options.vm, outcome, attempt, waited, this.target);
      throw failureError(args, options.vm, outcome, this.target);
    }
  }

  /** The VirtualBox version, asked once per instance (`--version`). */
  version(): Promise<VBoxVersion> {
    if (this.#version === undefined) {
      const attempt = this.#readVersion();
      this.#version = attempt;
      attempt.catch(() => {
        if (this.#version === attempt) this.#version = undefined;
      });
    }
    return this.#version;
  }

  async #readVersion(): Promise<VBoxVersion> {
    const outcome = await this.run(['--version'], { retryWhileLocked: false });
    const version = parseVersion(outcome.stdout);
    if (version === undefined) {
      throw new ImsError(
        'IMS_PROVIDER_ERROR',
        `${this.executable} --version on ${this.target} printed no version: ${JSON.stringify(outcome.stdout.slice(0, 200))}.`,
        {
          hint: 'Check that --vbox-manage names VirtualBox’s VBoxManage.',
          details: { executable: this.executable, target: this.target },
        },
      );
    }
    return version;
  }

  async #once(args: readonly string[]): Promise<VBoxOutcome> {
    const { host, executable, timeoutMs, signal } = this.#options;
    const runner = await host.runner();
    // An SSH server passes no environment, so the remote side sets the locale with env(1).
    const argv = host.isLocal
      ? [executable, ...args]
      : ['env', ...Object.entries(LOCALE).map(([k, v]) => `${k}=${v}`), executable, ...args];
    this.#options.logger.debug('VBoxManage', { command: args[0], target: host.target });
    let result: Awaited<ReturnType<typeof runner.run>>;
    try {
      result = await runner.run(argv, {
        allowFailure: true,
        timeoutMs,
        signal,
        ...(host.isLocal ? { env: { ...LOCALE } } : {}),
      });
    } catch (error) {
      if (isImsError(error) && error.details.missingProgram !== undefined) {
        throw missingExecutable(executable, host.target, error);
      }
      if (isImsError(error) && error.code === 'IMS_CONNECTION_FAILED') await host.reset();
      throw error;
    }
    const { exitCode, stdout, stderr } = result;
    if (!host.isLocal && isMissingRemote(exitCode, stderr)) throw missingExecutable(executable, host.target);
    let ok = exitCode === 0 && !hasErrorLine(stderr);
    // startvm sometimes exits 1 although it started the VM; its success text is the truth.
    if (args[0] === 'startvm' && startSucceeded(stdout)) ok = true;
    const outcome: VBoxOutcome = { ok, exitCode, stdout, stderr };
    const block = ok ? undefined : parseErrorBlock(stderr);
    if (block !== undefined) outcome.error = block;
    return outcome;
  }
}

function isLocked(block: VBoxErrorBlock | undefined): boolean {
  if (block === undefined) return false;
  return block.resultName === VBOX_RESULT.INVALID_OBJECT_STATE || isLockMessage(block.message);
}

/** A remote shell's or env(1)'s "command not found" (exit 127), or "cannot execute" (126). */
function isMissingRemote(exitCode: number | null, stderr: string): boolean {
  if (exitCode !== 127 && exitCode !== 126) return false;
  return !hasErrorLine(stderr) && /not found|No such file or directory|Permission denied/i.test(stderr);
}

/**
 * `IMS_TOOL_MISSING` (exit 4, as for a missing plugin): without VBoxManage the provider cannot work
 * on that host at all, and the cure is an installation or the configuration (install VirtualBox, or
 * point --vbox-manage at it), not a retry.
 */
export function missingExecutable(executable: string, target: string, cause?: unknown): ImsError {
  const where = target === 'local' ? 'this host' : target;
  return new ImsError(
    'IMS_TOOL_MISSING',
    `Cannot reach VirtualBox: the VBoxManage executable "${executable}" was not found on ${where}.`,
    {
      ...(cause === undefined ? {} : { cause }),
      hint: `Install VirtualBox on ${where}, or set the path of VBoxManage: ims config update <config> --vbox-manage /usr/bin/VBoxManage.`,
      details: { executable, target },
    },
  );
}

function vboxSays(outcome: VBoxOutcome): string {
  const message = outcome.error?.message ?? '';
  if (message !== '') return message;
  const tail = outcome.stderr.trim().split('\n').slice(-5).join('\n');
  if (tail !== '') return tail;
  return `exit code ${outcome.exitCode ?? 'none (killed)'} and no error output`;
}

function facts(args: readonly string[], vm: string | undefined, outcome: VBoxOutcome, target: string) {
  const details: Record<string, unknown> = {
    command: args[0],
    target,
    exitCode: outcome.exitCode,
    vboxMessage: vboxSays(outcome),
  };
  if (vm !== undefined) details.vm = vm;
  if (outcome.error?.resultName !== undefined) details.resultName = outcome.error.resultName;
  if (outcome.error?.resultCode !== undefined) details.resultCode = outcome.error.resultCode;
  return details;
}

function lockedError(
  args: readonly string[],
  vm: string | undefined,
  outcome: VBoxOutcome,
  attempts: number,
  waitedMs: number,
  target: string,
): ImsError {
  const what = vm === undefined ? 'The VirtualBox object' : `VM ${vm}`;
  return new ImsError(
    'IMS_INVALID_STATE',
    `${what} stayed locked by another VirtualBox session: VBoxManage ${args[0]} was refused ${attempts} times over ${(waitedMs / 1000).toFixed(1)} s (VirtualBox: ${vboxSays(outcome)}).`,
    {
      hint: 'Wait until the other session (a GUI, another VBoxManage, a VM still shutting down) lets go, then retry; --lock-retry-seconds waits longer.',
      details: { ...facts(args, vm, outcome, target), attempts },
    },
  );
}

/** The IMS error for a failed call: not found, invalid state, or VirtualBox's own message. */
function failureError(
  args: readonly string[],
  vm: string | undefined,
  outcome: VBoxOutcome,
  target: string,
): ImsError {
  const said = vboxSays(outcome);
  const details = facts(args, vm, outcome, target);
  const result = outcome.error?.resultName;
  if (
    vm !== undefined &&
    (result === VBOX_RESULT.OBJECT_NOT_FOUND || /Could not find a registered machine/i.test(said))
  ) {
    return new ImsError(
      'IMS_VM_NOT_FOUND',
      `VM ${vm} does not exist in VirtualBox on ${target} (VirtualBox: ${said}).`,
      {
        hint: 'Check the name with `ims vm list --all`; it may have been removed outside IMS.',
        details,
      },
    );
  }
  if (result === VBOX_RESULT.INVALID_VM_STATE || /is not currently running/i.test(said)) {
    const what = vm === undefined ? 'the VM' : `VM ${vm}`;
    return new ImsError(
      'IMS_INVALID_STATE',
      `VBoxManage ${args[0]} cannot act on ${what} in its current state (VirtualBox: ${said}).`,
      {
        hint: 'Check its state with `ims vm status`.',
        details,
      },
    );
  }
  const hint =
    outcome.exitCode === 2
      ? 'VBoxManage rejected the command line: this VirtualBox version may not support it.'
      : 'VirtualBox’s message above says why; `VBoxManage` by hand on the VirtualBox host may show more.';
  return new ImsError('IMS_PROVIDER_ERROR', `VBoxManage ${args[0]} failed on ${target}: ${said}`, {
    hint,
    details,
  });
}

/** The VirtualBox result code name an IMS error from this module carries, if any. */
export function resultNameOf(error: unknown): string | undefined {
  if (!isImsError(error)) return undefined;
  const name = error.details.resultName;
  return typeof name === 'string' ? name : undefined;
}

/** The message VirtualBox gave for an IMS error from this module, if any. */
export function vboxMessageOf(error: unknown): string {
  if (!isImsError(error)) return '';
  const message = error.details.vboxMessage;
  return typeof message === 'string' ? message : '';
}
