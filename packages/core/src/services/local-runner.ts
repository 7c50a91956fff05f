import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { CommandRunner, RunOptions, RunResult } from '@ims/spi';
import { ImsError } from '@ims/spi';

/** How a command ended, as reported by its transport. */
export interface CommandExit {
  /** Exit code; `null` when the command was ended by a signal. */
  exitCode: number | null;
  /** Name of the signal that ended it (`SIGKILL`, `KILL`, ...), or `null`. */
  signal: string | null;
}

/** A started command, whatever runs it (a local child process, an SSH exec channel). */
export interface StartedCommand {
  /** The command's standard input. */
  readonly stdin: Writable;
  /** The command's standard output. */
  readonly stdout: Readable;
  /** The command's standard error. */
  readonly stderr: Readable;
  /** Settles once the command has ended and its output is complete; rejects when it could not start. */
  readonly exited: Promise<CommandExit>;
  /** Ends the command early (timeout, cancellation). */
  kill(): void;
}

/** Lines of standard error quoted in the message of a failed command. */
const STDERR_TAIL_LINES = 10;
/** Characters of standard error quoted at most, so one huge line cannot flood the message. */
const STDERR_TAIL_CHARS = 2000;
/** Grace period between SIGTERM and SIGKILL for a local command that must end. */
const KILL_GRACE_MS = 2000;

/** The last lines of a command's standard error, trimmed for an error message. */
export function stderrTail(stderr: string): string {
  const lines = stderr.replace(/\s+$/, '').split('\n');
  const tail = lines.slice(-STDERR_TAIL_LINES).join('\n');
  return tail.length > STDERR_TAIL_CHARS ? `…${tail.slice(-STDERR_TAIL_CHARS)}` : tail;
}

/** Rejects argument vectors no transport can carry (empty, or with NUL bytes). */
export function assertValidArgv(argv: readonly string[]): void {
  if (argv.length === 0 || argv[0] === '') {
    throw new ImsError('IMS_INVALID_ARGUMENT', 'Cannot run a command: the argument vector is empty.', {
      hint: 'Pass the program name as the first element of argv.',
    });
  }
  const index = argv.findIndex((arg) => arg.includes('\0'));
  if (index !== -1) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `Cannot run "${argv[0]}": argument ${index} contains a NUL byte, which no command line can carry.`,
      { hint: 'Remove NUL bytes from command arguments, or pass such data through standard input.' },
    );
  }
}

function assertValidTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `Invalid command timeout ${timeoutMs}: it must be a positive number of milliseconds.`,
    );
  }
}

function abortedError(command: string, target: string): ImsError {
  return new ImsError('IMS_ABORTED', `Command "${command}" on ${target} was cancelled.`, {
    details: { command, target },
  });
}

function failedExitError(command: string, target: string, exit: CommandExit, stderr: string): ImsError {
  const tail = stderrTail(stderr);
  const how =
    exit.exitCode === null
      ? `was killed by signal ${exit.signal ?? 'unknown'}`
      : `failed with exit code ${exit.exitCode}`;
  const message = `Command "${command}" on ${target} ${how}${tail === '' ? ' (no error output).' : `:\n${tail}`}`;
  const hint =
    exit.exitCode === 127
      ? `"${command}" is probably not installed or not on PATH on ${target}.`
      : `Read the command's error output above; running the same command by hand on ${target} may show more.`;
  return new ImsError('IMS_COMMAND_FAILED', message, {
    hint,
    details: { command, target, exitCode: exit.exitCode, signal: exit.signal, stderrTail: tail },
  });
}

/**
 * Runs a command through `start` with the semantics every {@link CommandRunner} shares: input,
 * timeout, cancellation, output collection and `IMS_COMMAND_FAILED` on a non-zero exit.
 */
export async function superviseCommand(
  argv: readonly string[],
  target: string,
  options: RunOptions,
  start: () => StartedCommand | Promise<StartedCommand>,
): Promise<RunResult> {
  assertValidArgv(argv);
  assertValidTimeout(options.timeoutMs);
  const command = argv[0]!;
  const { signal } = options;
  if (signal?.aborted) throw abortedError(command, target);

  const started = await start();
  const stdoutChunks: Buffer[] = [];
  const stderrChunks: Buffer[] = [];
  started.stdout.on('data', (chunk: Buffer) => stdoutChunks.push(chunk));
  started.stderr.on('data', (chunk: Buffer) => stderrChunks.push(chunk));
  // A command may exit without reading its input; the resulting EPIPE is not a failure of ours.
  started.stdin.on('error', () => {});
  if (options.input !== undefined) started.stdin.write(options.input);
  started.stdin.end();

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    if (options.timeoutMs !== undefined) {
      const timeoutMs = options.timeoutMs;
      timer = setTimeout(() => {
        started.kill();
        reject(
          new ImsError(
            'IMS_TIMEOUT',
            `Command "${command}" on ${target} did not finish within ${timeoutMs} ms and was killed.`,
            {
              hint: 'Raise the timeout if the command is expected to take longer.',
              details: { command, target, timeoutMs },
            },
          ),
        );
      }, timeoutMs);
    }
    if (signal) {
      onAbort = () => {
        started.kill();
        reject(abortedError(command, target));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    const exit = await Promise.race([started.exited, interrupted]);
    const stdout = Buffer.concat(stdoutChunks).toString('utf8');
    const stderr = Buffer.concat(stderrChunks).toString('utf8');
    if (exit.exitCode !== 0 && !options.allowFailure) throw failedExitError(command, target, exit, stderr);
    return { exitCode: exit.exitCode, stdout, stderr };
  } finally {
    clearTimeout(timer);
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function startLocal(argv: readonly string[], options: RunOptions): StartedCommand {
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
  });
  const exited = new Promise<CommandExit>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(spawnError(command, options.cwd, error)));
    child.once('close', (exitCode, signal) => resolve({ exitCode, signal }));
  });
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // Programs that ignore SIGTERM must still go; unref so a stubborn child never holds up exit.
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, KILL_GRACE_MS).unref();
    },
  };
}

function spawnError(command: string, cwd: string | undefined, error: NodeJS.ErrnoException): ImsError {
  if (error.code === 'ENOENT' && cwd !== undefined && !existsSync(cwd)) {
    return new ImsError(
      'IMS_COMMAND_FAILED',
      `Cannot run "${command}": its working directory ${cwd} does not exist.`,
      {
        cause: error,
        details: { command, target: 'local', cwd },
      },
    );
  }
  if (error.code === 'ENOENT') {
    return new ImsError(
      'IMS_COMMAND_FAILED',
      `Cannot run "${command}": the program is not installed or not on PATH.`,
      {
        hint: `Install the package that provides "${command}" on this host.`,
        cause: error,
        details: { command, target: 'local', missingProgram: command },
      },
    );
  }
  return new ImsError('IMS_COMMAND_FAILED', `Cannot start "${command}": ${error.message}`, {
    cause: error,
    details: { command, target: 'local', errno: error.code },
  });
}

/** A {@link CommandRunner} that runs programs on this host directly, without a shell. */
export function createLocalRunner(): CommandRunner {
  return {
    target: 'local',
    run(argv, options = {}) {
      return superviseCommand(argv, 'local', options, () => startLocal(argv, options));
    },
  };
}
