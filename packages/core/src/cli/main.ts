import { readFile } from 'node:fs/promises';
import { ImsError, SPI_VERSION } from '@ims/spi';
import { resolveImsHome } from '../state/home.js';
import type { CommandContext } from './command-context.js';
import { findCommand } from './command-table.js';
import { commandHelp, generalHelp } from './help.js';
import { checkArity, type ParsedArgs, parseArgs } from './parse-args.js';
import { reportError } from './report-error.js';

const GLOBAL = new Set(['--json', '--debug', '--help', '-h', '--version']);

/** Runs `ims` with the given words; resolves to the exit code. Never throws. */
export async function main(words: readonly string[]): Promise<number> {
  const end = words.indexOf('--');
  const head = end < 0 ? words : words.slice(0, end);
  const json = head.includes('--json');
  const debug = head.includes('--debug') || process.env.IMS_DEBUG === '1';
  const help = head.includes('--help') || head.includes('-h');
  const rest = [...head.filter((w) => !GLOBAL.has(w)), ...(end < 0 ? [] : words.slice(end))];
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);

  if (head.includes('--version')) {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    out(
      json
        ? JSON.stringify({ ims: pkg.version, spi: SPI_VERSION })
        : `ims ${pkg.version} (SPI ${SPI_VERSION})`,
    );
    return 0;
  }
  const found = findCommand(rest);
  if (found === undefined) {
    if (rest.length === 0 || help) {
      for (const line of generalHelp()) (rest.length === 0 && !help ? err : out)(line);
      return rest.length === 0 && !help ? 2 : 0;
    }
    return reportError(
      new ImsError('IMS_INVALID_ARGUMENT', `Unknown command \`ims ${rest.slice(0, 2).join(' ')}\`.`, {
        hint: 'See `ims --help` for the commands.',
      }),
      debug,
      err,
    );
  }
  const { spec } = found;
  const command = spec.path.join(' ');
  if (help && !spec.providerFlags) {
    for (const line of commandHelp(spec)) out(line);
    return 0;
  }

  let host: Promise<import('../host/ims-host.js').ImsHost> | undefined;
  let stoppedBy: InterruptSignal | undefined;
  let signals = 0;
  const onSignal = (signal: InterruptSignal) => {
    signals += 1;
    stoppedBy ??= signal;
    if (signals > 1) {
      err(
        `ims: ${signal} again: quitting at once. Unfinished work is recorded: \`ims doctor\` shows it, \`ims doctor --repair\` rolls it back.`,
      );
      process.exit(INTERRUPT_EXIT[stoppedBy]);
    }
    err(
      `ims: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'} (${signal}); cancelling and undoing unfinished work (${signal === 'SIGINT' ? 'press Ctrl-C' : 'send it'} again to quit at once)`,
    );
    void host?.then(interruptHost, () => undefined);
  };
  const interruptHost = (h: import('../host/ims-host.js').ImsHost) => {
    h.abort();
    // Clean-up is not cancelled by the interruption, but it does not get for ever either.
    setTimeout(() => h.abortCleanup(), CLEANUP_LIMIT_MS).unref();
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  let code: number;
  try {
    let args: ParsedArgs;
    if (spec.providerFlags) {
      args = { positionals: [], flags: new Map() }; // parsed by the command once the provider's schema is known
    } else {
      args = parseArgs(found.rest, spec.flags, command);
      checkArity(spec.args, args.positionals, command);
    }
    const context: CommandContext = {
      args,
      rawWords: found.rest,
      help,
      json,
      debug,
      home: resolveImsHome(),
      host: () => {
        host ??= createHost(debug, err).then((h) => {
          if (stoppedBy !== undefined) interruptHost(h);
          return h;
        });
        return host;
      },
      out,
      err,
    };
    const handler = await spec.load();
    code = (await handler(context)) ?? 0;
  } catch (error) {
    code = reportError(error, debug, err);
  }
  try {
    if (stoppedBy !== undefined) {
      const outcomes = host === undefined ? [] : ((await host.catch(() => undefined))?.outcomes ?? []);
      for (const line of outcomes) err(`ims: ${line}`);
      if (outcomes.length === 0) err(`ims: stopped by ${stoppedBy}; nothing was left half-done.`);
      code = INTERRUPT_EXIT[stoppedBy];
    }
    return code;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    if (host) await (await host.catch(() => undefined))?.close();
  }
}

/** The signals that cancel a command, and its exit code then (128 + the signal's number, as shells report). */
type InterruptSignal = 'SIGINT' | 'SIGTERM';
const INTERRUPT_EXIT: Record<InterruptSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** How long undoing unfinished work may take after an interruption before it is cancelled too. */
const CLEANUP_LIMIT_MS = 30_000;

async function createHost(debug: boolean, err: (line: string) => void) {
  const [{ ImsHost }, { createLogger }, progress] = await Promise.all([
    import('../host/ims-host.js'),
    import('../services/logger.js'),
    import('../services/progress.js'),
  ]);
  return new ImsHost({
    home: resolveImsHome(),
    logger: createLogger({ write: err, verbose: debug }),
    services: {
      progress: process.stderr.isTTY
        ? progress.createTerminalProgress(process.stderr)
        : progress.silentProgress,
    },
  });
}
