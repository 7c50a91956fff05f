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

/**
 * Lists `staging` on dom0 without following links (`find -P`) and compares it with `expected`;
 * `IMS_ARCHIVE_UNSAFE` for anything that is not a regular file or directory, `IMS_IO_FAILED` for
 * a missing, extra or wrongly sized file.
 */
export async function verifyExtracted(
  dom0: Dom0,
  staging: string,
  expected: readonly ExpectedEntry[],
  template: string,
): Promise<void> {
  // An argument vector: the session quotes every word for the remote shell.
  const { stdout } = await dom0.run(['find', '-P', staging, '-mindepth', '1', '-printf', '%y %s %P\\0']);
  const found = parseFind(stdout);
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
