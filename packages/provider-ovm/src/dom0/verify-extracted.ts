/**
 * Checks on dom0 what an extraction or upload actually wrote into a staging directory before it
 * becomes a template: only regular files and directories, exactly the ones IMS sent, with the
 * sizes IMS sent. Whatever tar did or did not do, a link, a device node, a FIFO or a file IMS did
 * not send never reaches seed_pool or a VM's disk.
 */
import { ImsError } from '@ims/spi';
import type { Dom0 } from './dom0.js';

/** One file or directory that must be in the staging directory. */
export interface ExpectedEntry {
  /** Path relative to the staging directory, `/`-separated. */
  relative: string;
  /** `file` or `directory`. */
  type: 'file' | 'directory';
  /** Size in bytes (files). */
  size: number;
}

/** What `find -printf '%y %s %P\0'` reported for one path. */
interface FoundEntry {
  /** find's type letter: f, d, l, c, b, p, s, D. */
  kind: string;
  size: number;
  relative: string;
}

/** The `find` that lists a staging directory without following links, NUL-separated. */
const LIST_ARGS = ['-mindepth', '1', '-printf', '%y %s %P\\0'];

/** Exit status of the extraction script when the uploaded archive's checksum differs. */
const CHECKSUM_MISMATCH = 86;

/**
 * One command on dom0, so each step costs no extra SSH round trip: checks the uploaded archive's
 * SHA-256, extracts it with GNU tar (no owners, no modes, no overwriting) into `staging`, and lists
 * what tar wrote. A constant script; every path and value is a positional argument, quoted by
 * the session, never part of the script text.
 */
export async function extractAndList(
  dom0: Dom0,
  options: { archive: string; staging: string; sha256: string; gzip: boolean; template: string },
): Promise<string> {
  const script = [
    'sum=$(sha256sum < "$1") || exit 1',
    `[ "\${sum%% *}" = "$3" ] || { printf '%s\\n' "$sum" >&2; exit ${CHECKSUM_MISMATCH}; }`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion ("-z" or nothing), not a template.
    'tar -x ${4:+"$4"} -f "$1" -C "$2" --no-same-owner --no-same-permissions --keep-old-files || exit 1',
    `exec find -P "$2" ${LIST_ARGS.map((a) => `'${a}'`).join(' ')}`,
  ].join('\n');
  const result = await dom0.run(
    ['sh', '-c', script, 'sh', options.archive, options.staging, options.sha256, options.gzip ? '-z' : ''],
    { allowFailure: true },
  );
  if (result.exitCode === CHECKSUM_MISMATCH) {
    throw new ImsError(
      'IMS_IO_FAILED',
      `The template archive arrived damaged on dom0: its SHA-256 is ${result.stderr.trim().split(' ')[0]}, the local file's ${options.sha256}.`,
      {
        hint: 'Import it again; if this repeats, check dom0’s disk and memory.',
        details: { template: options.template },
      },
    );
  }
  if (result.exitCode !== 0) {
    throw new ImsError(
      'IMS_COMMAND_FAILED',
      `Extracting template ${options.template} on dom0 failed (exit ${result.exitCode}): ${result.stderr.trim().slice(0, 500)}`,
      {
        hint: 'Check dom0’s free space in the repository and that GNU tar, sha256sum and find are installed.',
        details: { template: options.template, exitCode: result.exitCode },
      },
    );
  }
  return result.stdout;
}

/** Lists `staging` on dom0 without following links (`find -P`). */
export async function listStaging(dom0: Dom0, staging: string): Promise<string> {
  // An argument vector: the session quotes every word for the remote shell.
  return (await dom0.run(['find', '-P', staging, ...LIST_ARGS])).stdout;
}

/**
 * Compares a listing of the staging directory with `expected`; `IMS_ARCHIVE_UNSAFE` for anything
 * that is not a regular file or directory, `IMS_IO_FAILED` for a missing, extra or wrongly sized file.
 */
export function verifyListing(listing: string, expected: readonly ExpectedEntry[], template: string): void {
  const found = parseFind(listing);
  const special = found.find((entry) => entry.kind !== 'f' && entry.kind !== 'd');
  if (special !== undefined) {
    throw new ImsError(
      'IMS_ARCHIVE_UNSAFE',
      `Refusing template ${template}: dom0's tar wrote ${JSON.stringify(special.relative)}, which is ${describeKind(special.kind)}; a template may hold only regular files and directories.`,
      {
        hint: 'Nothing was registered and the staging directory is removed. Check dom0’s tar, then import again.',
        details: { template, entry: special.relative, type: special.kind },
      },
    );
  }
  const wanted = new Map(expected.map((e) => [e.relative, e]));
  const differences: string[] = [];
  for (const entry of found) {
    const want = wanted.get(entry.relative);
    const type = entry.kind === 'f' ? 'file' : 'directory';
    if (want === undefined) differences.push(`${entry.relative} was not sent`);
    else if (want.type !== type) differences.push(`${entry.relative} is a ${type}, not a ${want.type}`);
    else if (type === 'file' && want.size !== entry.size)
      differences.push(`${entry.relative} has ${entry.size} bytes, not ${want.size}`);
    wanted.delete(entry.relative);
  }
  for (const missing of wanted.keys()) differences.push(`${missing} is missing`);
  if (differences.length > 0) {
    throw new ImsError(
      'IMS_IO_FAILED',
      `What arrived on dom0 for template ${template} differs from what was sent: ${differences.slice(0, 5).join('; ')}${differences.length > 5 ? '; …' : ''}.`,
      {
        hint: 'Nothing was registered. Import again; if this repeats, check dom0’s disk and its tar.',
        details: { template, differences: differences.slice(0, 20) },
      },
    );
  }
}

/** Lists the staging directory on dom0 and compares it with what was sent. */
export async function verifyExtracted(
  dom0: Dom0,
  staging: string,
  expected: readonly ExpectedEntry[],
  template: string,
): Promise<void> {
  verifyListing(await listStaging(dom0, staging), expected, template);
}

function parseFind(stdout: string): FoundEntry[] {
  const entries: FoundEntry[] = [];
  for (const record of stdout.split('\0')) {
    if (record === '') continue;
    const match = /^(\S) (\d+) ([\s\S]*)$/.exec(record);
    if (match === null) {
      throw new ImsError(
        'IMS_COMMAND_FAILED',
        `find on dom0 printed an unexpected line: ${JSON.stringify(record)}.`,
        {
          hint: 'Check that GNU findutils is installed on dom0.',
        },
      );
    }
    entries.push({ kind: match[1] as string, size: Number(match[2]), relative: match[3] as string });
  }
  return entries;
}

function describeKind(kind: string): string {
  switch (kind) {
    case 'l':
      return 'a symbolic link';
    case 'c':
      return 'a character device';
    case 'b':
      return 'a block device';
    case 'p':
      return 'a FIFO';
    case 's':
      return 'a socket';
    default:
      return `an entry of type ${JSON.stringify(kind)}`;
  }
}
