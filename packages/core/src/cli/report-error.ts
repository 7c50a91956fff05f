import { categoryOf, type ErrorCategory, escapeForDisplay, isImsError } from '@ims/spi';

/** Exit codes of `ims` (docs/cli.md): a promise to scripts. */
export const EXIT_CODES: Record<ErrorCategory | 'ok', number> = {
  ok: 0,
  failed: 1,
  usage: 2,
  'not-found': 3,
  plugin: 4,
};

function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let cause = (error as { cause?: unknown } | undefined)?.cause;
  for (let depth = 0; cause !== undefined && depth < 8; depth += 1) {
    const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    lines.push(`  caused by: ${text}`);
    cause = (cause as { cause?: unknown }).cause;
  }
  return lines;
}

/**
 * Writes an error as a few lines (what, why, what to do) and returns the exit code. Messages echo
 * input (names, values, package fields, hypervisor answers): every line is written with control,
 * bidi and other invisible characters escaped, so what the terminal shows is what the text says.
 */
export function reportError(error: unknown, debug: boolean, writeLine: (line: string) => void): number {
  const write = (line: string) => writeLine(escapeForDisplay(line, true));
  if (isImsError(error)) {
    write(`ims: ${error.message}`);
    if (error.hint) write(`  hint: ${error.hint}`);
    if (debug) {
      write(`  code: ${error.code}`);
      for (const line of causeChain(error)) write(line);
      if (error.stack) write(error.stack);
    } else if (error.cause !== undefined) {
      write('  (run with --debug for the cause)');
    }
  } else {
    const message = error instanceof Error ? error.message : String(error);
    write(`ims: internal error: ${message}`);
    write('  hint: this is a bug in IMS; run with --debug and report the output.');
    if (debug) {
      for (const line of causeChain(error)) write(line);
      if (error instanceof Error && error.stack) write(error.stack);
    }
  }
  return EXIT_CODES[categoryOf(error)];
}
