import { setTimeout as sleep } from 'node:timers/promises';
import { msToNs, type SimContext } from '../context.js';
import { PlainError, UsageError } from '../errors.js';
import { findMachine } from '../machines.js';
import type { SimGuestProperty, SimVm } from '../state/types.js';
import { isSeven } from '../versions.js';

const FILE = 'VBoxManageGuestProp.cpp';
const FIND = { call: 'FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())', line: 93, file: FILE };

/** Runs a function on freshly loaded state under the lock (used by `wait`, which polls). */
export type StateRunner = <T>(fn: (ctx: SimContext) => T | Promise<T>) => Promise<T>;

/**
 * RTStrSimplePatternMultiMatch: `*` and `?` wildcards, alternatives separated by `|` (guest
 * properties); `metrics` lists its metric patterns with `,` instead.
 */
export function matchesPatterns(patterns: string, name: string, separator: '|' | ',' = '|'): boolean {
  // confirmed: VBoxManage manual, guestproperty enumerate ("|" separates alternative patterns);
  // GuestPropertySvc.h (patterns "separated by '|' characters"). A `,` is an ordinary character,
  // so the `,`-joined patterns of several arguments match only names holding that `,`.
  if (patterns === '') return true;
  return patterns.split(separator).some((p) => {
    const re = new RegExp(
      `^${p
        .replace(/[.+^${}()[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
      's',
    );
    return re.test(name);
  });
}

function sortedEntries(vm: SimVm, patterns: string): [string, SimGuestProperty][] {
  return Object.entries(vm.guestProperties)
    .filter(([name]) => matchesPatterns(patterns, name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `2025-11-20T10:49:21.999Z` from nanoseconds (RTTimeToStringEx with 3 fraction digits). */
function isoMillis(ns: string): string {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
}

/** The 7.x column layout: name padded to the longest (max 48), value column sized to the longest (max 28). */
function newStyle(entries: [string, SimGuestProperty][]): string {
  // confirmed: reference "Output formats" (7.x padded columns with `= '<value>'` and `@ <time>`);
  // VBoxManageGuestProp.cpp 7.0, handleEnumGuestProperty: RTPrintf("%-*ls = '%ls'"), name width
  // min(48, longest), value width min(28, longest in UTF-16 units), at least one space before `@`,
  // then " <flags>" when set; the value is printed raw, newlines and quotes included
  const maxName = Math.min(48, Math.max(1, ...entries.map(([n]) => n.length)));
  const maxValue = Math.min(28, Math.max(1, ...entries.map(([, p]) => p.value.length)));
  return entries
    .map(([name, p]) => {
      const head = `${name.padEnd(maxName)} = '${p.value}'`;
      const width = maxName + maxValue + 6;
      const pad = head.length < width ? width - head.length : 1;
      return `${head}${' '.repeat(pad)}@ ${isoMillis(p.timestamp)}${p.flags ? ` ${p.flags}` : ''}\n`;
    })
    .join('');
}

function oldStyle(entries: [string, SimGuestProperty][]): string {
  // confirmed: reference "Output formats" (4.x–6.x `Name: …, value: …, timestamp: …, flags: …`);
  // VBoxManageGuestProp.cpp 4.x–7.0: RTPrintf("Name: %ls, value: %ls, timestamp: %lld, flags: %ls\n"),
  // the value raw, so one with newlines runs over several lines
  return entries
    .map(([n, p]) => `Name: ${n}, value: ${p.value}, timestamp: ${p.timestamp}, flags: ${p.flags}\n`)
    .join('');
}

/**
 * The arguments of 4.x–6.x: the VM, then nothing or exactly two more — the second of which is the
 * pattern — or `--patterns` followed by patterns, joined with `,`.
 */
function oldEnumerateArgs(argv: string[]): { vmName: string; patterns: string } {
  // confirmed: VBoxManageGuestProp.cpp (4.x–6.1) handleEnumGuestProperty: argc < 1, argc == 2,
  // or argc > 3 without --patterns/-patterns in argv[1] is a syntax error; the patterns are
  // argv[2] and every later argument, joined with ","
  const patternsFlag = argv[1] === '--patterns' || argv[1] === '-patterns';
  if (argv.length < 1 || argv.length === 2 || (argv.length > 3 && !patternsFlag)) {
    throw new UsageError('Incorrect parameters', 'guestproperty');
  }
  return { vmName: argv[0]!, patterns: argv.slice(2).join(',') };
}

/** The arguments of 7.x: options anywhere, the first other argument is the VM, the rest patterns. */
function sevenEnumerateArgs(argv: string[]): { vmName?: string; patterns: string; oldFormat: boolean } {
  // confirmed: VBoxManageGuestProp.cpp (7.0) handleEnumGuestProperty: RTGetOpt with the options
  // below, "--patterns"/"-patterns" kept as legacy taking one value, patterns joined with ","
  const flags = [
    '--sort',
    '--unsort',
    '--timestamp',
    '--ts',
    '--no-timestamp',
    '--no-ts',
    '--abs',
    '--absolute',
    '--rel',
    '--relative',
    '--flags',
    '--no-flags',
  ];
  let vmName: string | undefined;
  const patterns: string[] = [];
  let oldFormat = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--patterns' || arg === '-patterns') {
      const value = argv[++i];
      if (value === undefined)
        throw new UsageError(`Missing the argument value of '${arg}'`, 'guestproperty');
      patterns.push(value);
    } else if (arg === '--old-format') {
      oldFormat = true;
    } else if (flags.includes(arg)) {
      // accepted; the layout options beyond --old-format are not modelled
    } else if (arg.startsWith('-')) {
      throw new UsageError(`Unknown option: ${arg}`, 'guestproperty');
    } else if (vmName === undefined) {
      vmName = arg;
    } else {
      patterns.push(arg);
    }
  }
  return { ...(vmName === undefined ? {} : { vmName }), patterns: patterns.join(','), oldFormat };
}

function enumerate(ctx: SimContext, argv: string[]): void {
  const seven = isSeven(ctx.version);
  const { vmName, patterns, oldFormat } = seven
    ? sevenEnumerateArgs(argv)
    : { ...oldEnumerateArgs(argv), oldFormat: true };
  if (vmName === undefined) throw new UsageError('No VM name or UUID was specified', 'guestproperty');
  const vm = findMachine(ctx, vmName, { ...FIND, line: 213 });
  const entries = sortedEntries(vm, patterns);
  if (entries.length === 0) {
    ctx.out.stdout('No properties found.\n');
    return;
  }
  ctx.out.stdout(oldFormat ? oldStyle(entries) : newStyle(entries));
}

function nowNs(): string {
  return msToNs(Date.now() + (performance.now() % 1));
}

/** `guestproperty get|set|unset|delete|enumerate <vm> ...` (not `wait`, see {@link guestpropertyWait}). */
export function guestproperty(ctx: SimContext, argv: string[]): void {
  const [verb, ...rest] = argv;
  if (verb === undefined) throw new UsageError('Missing subcommand', 'guestproperty');
  switch (verb) {
    case 'get': {
      const verbose = rest.length === 3 && (rest[2] === '--verbose' || rest[2] === '-verbose');
      if (rest.length !== 2 && !verbose) throw new UsageError('Incorrect parameters', 'guestproperty');
      const vm = findMachine(ctx, rest[0]!, FIND);
      const prop = vm.guestProperties[rest[1]!];
      // confirmed: reference "Output formats" (`Value: X` / `No value set!`, both exit 0)
      if (!prop || prop.value === '') {
        ctx.out.stdout('No value set!\n');
        return;
      }
      ctx.out.stdout(`Value: ${prop.value}\n`);
      if (verbose) ctx.out.stdout(`Timestamp: ${prop.timestamp}\nFlags: ${prop.flags}\n`);
      return;
    }
    case 'set': {
      const ok =
        rest.length === 2 ||
        rest.length === 3 ||
        (rest.length === 5 && (rest[3] === '--flags' || rest[3] === '-flags'));
      if (!ok) throw new UsageError('Incorrect parameters', 'guestproperty');
      const vm = findMachine(ctx, rest[0]!, FIND);
      const name = rest[1]!;
      // confirmed: /work/notes/vbox-commands.md (set without a value deletes; works powered off and persists)
      if (rest.length === 2) delete vm.guestProperties[name];
      else vm.guestProperties[name] = { value: rest[2]!, timestamp: nowNs(), flags: rest[4] ?? '' };
      return;
    }
    case 'unset':
    case 'delete': {
      if (rest.length !== 2) throw new UsageError('Incorrect parameters', 'guestproperty');
      const vm = findMachine(ctx, rest[0]!, FIND);
      delete vm.guestProperties[rest[1]!];
      return;
    }
    case 'enumerate':
    case 'enum':
      enumerate(ctx, rest);
      return;
    default:
      throw new UsageError(`Invalid parameter '${verb}'`, 'guestproperty');
  }
}

/** `guestproperty wait <vm> PATTERNS [--timeout MS] [--fail-on-timeout]`: polls the lazily advanced state. */
export async function guestpropertyWait(
  run: StateRunner,
  out: { stdout(t: string): void },
  argv: string[],
): Promise<void> {
  const [vmName, patterns, ...rest] = argv;
  let timeoutMs = Number.POSITIVE_INFINITY;
  let failOnTimeout = false;
  let ok = vmName !== undefined && patterns !== undefined;
  for (let i = 0; ok && i < rest.length; i++) {
    const arg = rest[i]!;
    if ((arg === '--timeout' || arg === '-timeout') && /^\d+$/.test(rest[i + 1] ?? ''))
      timeoutMs = Number(rest[++i]);
    else if (arg === '--fail-on-timeout') failOnTimeout = true;
    else ok = false;
  }
  if (!ok) throw new UsageError('Incorrect parameters', 'guestproperty');
  const startedNs = BigInt(msToNs(Date.now()));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = await run((ctx) => {
      const vm = findMachine(ctx, vmName!, { ...FIND, line: 321 });
      return sortedEntries(vm, patterns!).find(([, p]) => BigInt(p.timestamp) >= startedNs);
    });
    if (hit) {
      out.stdout(`Name: ${hit[0]}, value: ${hit[1].value}, flags: ${hit[1].flags}\n`);
      return;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
  // confirmed: reference "Output formats" (exit 2 on timeout with --fail-on-timeout)
  throw new PlainError('Time out or interruption while waiting for a notification.', failOnTimeout ? 2 : 0);
}
