/**
 * SIMULATION ONLY: the entry point of the dom0 shims, run by the `xm` / `xentop` wrapper scripts
 * the simulator writes: `node shim-cli.js <ovsRoot> xm|xentop ARGS...`. It reads the simulator's
 * state file instead of asking a hypervisor.
 */
import { uptime } from 'node:os';
import { pathToFileURL } from 'node:url';
import { ovsPaths } from '../ovs-paths.js';
import { readStateFile } from '../state-file.js';
import { domainsOf } from './domains.js';
import { formatXentopIteration, type XentopSample } from './xentop.js';
import { formatXmList } from './xm.js';

/** Where the shims write. */
export interface ShimIo {
  /** Standard output. */
  out: (text: string) => void;
  /** Standard error. */
  err: (text: string) => void;
}

function sample(ovsRoot: string): XentopSample {
  const now = Date.now();
  return { domains: domainsOf(readStateFile(ovsPaths(ovsRoot).stateFile), now, uptime()), atMs: now };
}

/** `xm ARGS`: only `list [NAME...]` is simulated. Returns the exit code. */
export function runXm(ovsRoot: string, args: readonly string[], io: ShimIo): number {
  const [command, ...names] = args;
  if (command !== 'list') {
    io.err(`Error: the simulated xm supports only "xm list" (got ${JSON.stringify(command ?? '')})\n`);
    return 1;
  }
  const domains = sample(ovsRoot).domains;
  for (const name of names) {
    if (!domains.some((d) => d.name === name)) {
      // modelled: xm's message for an unknown domain
      io.err(`Error: Domain '${name}' does not exist.\n`);
      return 1;
    }
  }
  io.out(
    formatXmList(
      names.length === 0 ? domains : domains.filter((d) => d.domId === 0 || names.includes(d.name)),
    ),
  );
  return 0;
}

interface XentopOptions {
  batch: boolean;
  iterations: number;
  delaySeconds: number;
  fullName: boolean;
}

function parseXentopArgs(args: readonly string[]): XentopOptions | string {
  const options: XentopOptions = { batch: false, iterations: 0, delaySeconds: 3, fullName: false };
  const queue = [...args];
  const value = (flag: string, inline: string | undefined): string | undefined =>
    inline ?? queue.shift() ?? flag;
  while (queue.length > 0) {
    const arg = queue.shift() ?? '';
    const long = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const short = /^-([a-zA-Z])(.*)$/.exec(arg);
    const name = long?.[1] ?? short?.[1];
    const inline = long?.[2] ?? (short?.[2] === '' ? undefined : short?.[2]);
    switch (name) {
      case 'b':
      case 'batch':
        options.batch = true;
        if (short?.[2]) queue.unshift(`-${short[2]}`);
        break;
      case 'f':
      case 'full-name':
        options.fullName = true;
        if (short?.[2]) queue.unshift(`-${short[2]}`);
        break;
      case 'i':
      case 'iterations': {
        const n = Number(value(arg, inline));
        if (!Number.isInteger(n) || n < 1) return `invalid iterations in ${arg}`;
        options.iterations = n;
        break;
      }
      case 'd':
      case 'delay': {
        const n = Number(value(arg, inline));
        if (!Number.isFinite(n) || n < 0) return `invalid delay in ${arg}`;
        options.delaySeconds = n;
        break;
      }
      default:
        return `unsupported option ${arg}`;
    }
  }
  if (!options.batch) return 'the simulated xentop supports batch mode only (-b)';
  if (options.iterations === 0) return 'the simulated xentop needs -i N (it does not loop forever)';
  return options;
}

/** `xentop -b -i N [-d S] [-f]`. Returns the exit code. */
export async function runXentop(ovsRoot: string, args: readonly string[], io: ShimIo): Promise<number> {
  const options = parseXentopArgs(args);
  if (typeof options === 'string') {
    io.err(`xentop (simulated): ${options}\n`);
    return 1;
  }
  let previous: XentopSample | undefined;
  for (let i = 0; i < options.iterations; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, options.delaySeconds * 1000));
    const current = sample(ovsRoot);
    io.out(formatXentopIteration(current, previous, options.fullName));
    previous = current;
  }
  return 0;
}

/** Runs the shim named by argv[3] over the root in argv[2]. */
export async function shimMain(argv: readonly string[], io: ShimIo): Promise<number> {
  const [ovsRoot, tool, ...args] = argv.slice(2);
  try {
    if (ovsRoot !== undefined && tool === 'xm') return runXm(ovsRoot, args, io);
    if (ovsRoot !== undefined && tool === 'xentop') return await runXentop(ovsRoot, args, io);
    io.err('usage: shim-cli.js <ovsRoot> xm|xentop ARGS...\n');
    return 2;
  } catch (error) {
    io.err(`${tool ?? 'shim'} (simulated): ${(error as Error).message}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  shimMain(process.argv, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  );
}
