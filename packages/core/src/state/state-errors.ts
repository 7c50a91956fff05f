import { basename } from 'node:path';
import { ImsError } from '@ims/spi';

/** Options of {@link stateCorruptError}. */
export interface CorruptOptions {
  /** A backup of the last good version, when one exists. */
  backupPath?: string | undefined;
  /** The underlying error (leave out when its message could quote secret content). */
  cause?: unknown;
}

/** `IMS_STATE_CORRUPT` for a state file that cannot be parsed or has the wrong shape. */
export function stateCorruptError(path: string, why: string, options: CorruptOptions = {}): ImsError {
  const file = basename(path);
  const hint =
    options.backupPath === undefined
      ? `Repair ${path} by hand, or move it away to start with an empty ${file}.`
      : `The previous good version is in ${options.backupPath}: check it and copy it over ${path}, or move ${path} away to start empty.`;
  return new ImsError('IMS_STATE_CORRUPT', `${file} at ${path} is corrupt: ${why}.`, {
    hint,
    cause: options.cause,
    details: { path, ...(options.backupPath === undefined ? {} : { backupPath: options.backupPath }) },
  });
}

/** `IMS_STATE_TOO_NEW` for a file whose format version is newer than this IMS understands. */
export function stateTooNewError(path: string, found: number, supported: number): ImsError {
  const file = basename(path);
  const kind = file.replace(/\.json$/, '');
  return new ImsError(
    'IMS_STATE_TOO_NEW',
    `${file} at ${path} was written by a newer IMS (${kind} version ${found}; this IMS reads up to ${supported}).`,
    {
      hint: 'Upgrade IMS to the version that wrote it, or point IMS_HOME at another directory.',
      details: { path, version: found, supportedVersion: supported },
    },
  );
}

/** The JSON parser's complaint without the excerpt of the input V8 quotes (it may hold secrets). */
export function redactedJsonError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message)?.[1];
  if (/Unexpected end of JSON input/i.test(message)) return 'the JSON text ends unexpectedly';
  return position === undefined
    ? 'it is not valid JSON'
    : `it is not valid JSON (error at position ${position})`;
}

/** An update function left a document that does not pass its shape check: a bug, nothing is saved. */
export function invalidUpdate(what: 'state' | 'secrets', problem: string): ImsError {
  return new ImsError(
    'IMS_INTERNAL',
    `A ${what} update produced an invalid document (${problem}); nothing was saved.`,
    {
      hint: 'This is a bug in IMS; please report it.',
    },
  );
}
