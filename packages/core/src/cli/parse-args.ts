import { ImsError } from '@ims/spi';

/** How a flag takes its value. */
export type FlagKind =
  /** `--flag` alone */
  | 'boolean'
  /** `--flag value` or `--flag=value` */
  | 'string'
  /** `--flag` alone or `--flag=value` (never the next word, so positionals stay unambiguous) */
  | 'optional';

/** One flag a command accepts. */
export interface FlagSpec {
  /** How it takes a value. */
  kind: FlagKind;
  /** May be given more than once. */
  multiple?: boolean;
}

/** Parsed command-line words. */
export interface ParsedArgs {
  /** Words that are not flags, in order. */
  positionals: string[];
  /** Flag values by flag name (without dashes); `true` for a flag given without a value. */
  flags: Map<string, (string | true)[]>;
}

function usage(message: string, hint: string): ImsError {
  return new ImsError('IMS_INVALID_ARGUMENT', message, { hint });
}

function closest(name: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i += 1) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j += 1) {
        const cur = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length]!;
  };
  const best = known.map((k) => [k, distance(name, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= Math.max(2, Math.floor(name.length / 3)) ? best[0] : undefined;
}

/**
 * Parses words against the flags a command knows. Unknown flags are a usage error naming the
 * closest known one; `--` ends the flags.
 */
export function parseArgs(
  words: readonly string[],
  specs: Readonly<Record<string, FlagSpec>>,
  command: string,
): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, (string | true)[]>();
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    if (word === '--') {
      positionals.push(...words.slice(i + 1));
      break;
    }
    if (!word.startsWith('--') || word === '--') {
      if (word === '-h') flags.set('help', [true]);
      else if (word.startsWith('-') && word.length > 1) {
        throw usage(
          `Unknown option ${JSON.stringify(word)} for \`ims ${command}\`.`,
          `See \`ims ${command} --help\`.`,
        );
      } else positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = word.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (spec === undefined) {
      const guess = closest(name, Object.keys(specs));
      throw usage(
        `Unknown option --${name} for \`ims ${command}\`.`,
        guess ? `Did you mean --${guess}? See \`ims ${command} --help\`.` : `See \`ims ${command} --help\`.`,
      );
    }
    let value: string | true;
    if (eq >= 0) {
      if (spec.kind === 'boolean') throw usage(`--${name} takes no value.`, `Write --${name} alone.`);
      value = word.slice(eq + 1);
    } else if (spec.kind === 'string') {
      const next = words[i + 1];
      if (next === undefined) throw usage(`--${name} needs a value.`, `Write --${name} <value>.`);
      value = next;
      i += 1;
    } else {
      value = true;
    }
    const list = flags.get(name) ?? [];
    if (list.length > 0 && !spec.multiple) throw usage(`--${name} is given twice.`, `Give --${name} once.`);
    list.push(value);
    flags.set(name, list);
  }
  return { positionals, flags };
}

/** The single value of a string flag, if given. */
export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name)?.[0];
  return typeof v === 'string' ? v : undefined;
}

/** Every value of a repeatable string flag. */
export function flagStrings(args: ParsedArgs, name: string): string[] {
  return (args.flags.get(name) ?? []).filter((v): v is string => typeof v === 'string');
}

/** Whether a flag was given at all. */
export function hasFlag(args: ParsedArgs, name: string): boolean {
  return args.flags.has(name);
}

/** Refuses too few or too many positional arguments. */
export function checkArity(declared: readonly string[], given: readonly string[], command: string): void {
  const variadic = declared.some((a) => a.endsWith('...'));
  const required = declared.filter((a) => a.startsWith('<')).length;
  const max = variadic ? Number.POSITIVE_INFINITY : declared.length;
  if (given.length < required || given.length > max) {
    const expected = declared.length === 0 ? 'no arguments' : declared.join(' ');
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `\`ims ${command}\` takes ${expected}; got ${given.length === 0 ? 'none' : given.map((g) => JSON.stringify(g)).join(' ')}.`,
      {
        hint: `See \`ims ${command} --help\`.`,
      },
    );
  }
}
