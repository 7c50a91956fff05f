import type { ImsHost } from '../host/ims-host.js';
import type { ParsedArgs } from './parse-args.js';

/** What a command handler gets. */
export interface CommandContext {
  /** Parsed words after the command path. */
  args: ParsedArgs;
  /** The words after the command path, unparsed (for commands whose flags depend on a provider). */
  rawWords: string[];
  /** `--help` was given. */
  help: boolean;
  /** `--json` was given: print exactly one JSON document on stdout. */
  json: boolean;
  /** `--debug` was given. */
  debug: boolean;
  /** The IMS home directory. */
  home: string;
  /** The host, created on first use. */
  host(): Promise<ImsHost>;
  /** Writes a line to stdout. */
  out(line: string): void;
  /** Writes a line to stderr. */
  err(line: string): void;
}

/** A command handler; resolves to the exit code (default 0). */
export type CommandHandler = (context: CommandContext) => Promise<number | undefined>;
