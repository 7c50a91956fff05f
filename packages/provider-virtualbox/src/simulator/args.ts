import { UsageError } from './errors.js';

/** One parsed option occurrence. */
export interface ParsedOption {
  /** Canonical `--name`. */
  name: string;
  /** The index of indexed options (`--nic2` → 2). */
  index: number | null;
  /** The value, for options that take one. */
  value: string;
}

/** Options of a command: name → takes a value. Aliases map to a canonical name via `alias`. */
export type OptionTable = Record<string, { value: boolean; alias?: string }>;

/** Parsed arguments. */
export interface ParsedArgs {
  /** Arguments that are not options, in order. */
  positional: string[];
  /** Options in order of appearance. */
  options: ParsedOption[];
}

/**
 * Parses like RTGetOpt: `--opt value`, `--opt=value`, `--opt:value`, legacy single-dash `-opt`,
 * indexed options (`--nic1`) when `indexed` lists their stems.
 */
export function parseArgs(
  argv: readonly string[],
  table: OptionTable,
  command: string,
  indexed: readonly string[] = [],
): ParsedArgs {
  const positional: string[] = [];
  const options: ParsedOption[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    let flag = arg.startsWith('--') ? arg : `-${arg}`;
    let inline: string | undefined;
    const split = /^(--[^=:]+)[=:](.*)$/s.exec(flag);
    if (split && !(flag in table)) {
      flag = split[1]!;
      inline = split[2];
    }
    let index: number | null = null;
    let spec = table[flag];
    if (!spec) {
      const m = /^--([a-z-]+?)(\d+)$/.exec(flag);
      if (m && indexed.includes(m[1]!)) {
        index = Number(m[2]);
        spec = { value: true };
        flag = `--${m[1]}`;
      }
    }
    if (!spec) throw new UsageError(`Unknown option: ${arg}`, command);
    const name = spec.alias ?? flag;
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`Invalid argument format: ${arg}`, command);
      options.push({ name, index, value: '' });
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`Missing the argument value of '${arg}'`, command);
    options.push({ name, index, value });
  }
  return { positional, options };
}

/** Parses an unsigned decimal option value or fails with a syntax error naming the option. */
export function parseUint(value: string, option: string, command: string): number {
  if (!/^\d+$/.test(value)) {
    throw new UsageError(`Invalid argument format: '${value}' given to ${option}`, command);
  }
  return Number(value);
}
