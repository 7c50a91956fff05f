import { assertValidArgv } from '../local-runner.js';

/** Words every POSIX shell takes literally as arguments, left bare so logged command lines stay readable. */
const SAFE_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;

/** Quotes one word for a POSIX shell: single quotes, each `'` written as `'\''`. */
export function quoteWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Quotes one argument for a POSIX shell, leaving words that need no quoting bare. */
export function quoteArg(arg: string): string {
  return SAFE_WORD.test(arg) ? arg : quoteWord(arg);
}

/**
 * Joins an argument vector into one POSIX shell command line that the remote login shell splits
 * back into exactly these arguments (SSH exec carries a single string, not a vector).
 */
export function quoteArgv(argv: readonly string[]): string {
  assertValidArgv(argv);
  const [command, ...args] = argv as [string, ...string[]];
  // The program is always quoted: a bare `time` or `if` would be read as a shell keyword.
  return [quoteWord(command), ...args.map(quoteArg)].join(' ');
}
