import { ImsError } from '@ims/spi';

const UNSAFE_HINT =
  'The archive is not a trustworthy template; nothing was extracted outside the target directory and what was extracted has been removed.';
const CORRUPT_HINT = 'Re-create or re-download the archive (a tar or gzip-compressed tar) and try again.';

/** Where the extraction stood when the archive's bytes failed: used to say where it broke. */
export interface ArchivePosition {
  /** The entry whose data was being read, if any. */
  current: string | undefined;
  /** The last entry read completely, if any. */
  previous: string | undefined;
  /** Whether the archive was gzip-compressed. */
  gzip: boolean;
}

/** `IMS_ARCHIVE_UNSAFE` for one refused entry. */
export function unsafeEntry(entry: string, reason: string, details: Record<string, unknown> = {}): ImsError {
  return new ImsError('IMS_ARCHIVE_UNSAFE', `Refused archive entry ${JSON.stringify(entry)}: ${reason}.`, {
    hint: UNSAFE_HINT,
    details: { entry, reason, ...details },
  });
}

/** `IMS_ARCHIVE_CORRUPT` with what was wrong. */
export function corruptArchive(reason: string, cause?: unknown): ImsError {
  return new ImsError('IMS_ARCHIVE_CORRUPT', `The archive cannot be extracted: ${reason}.`, {
    hint: CORRUPT_HINT,
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** `IMS_ABORTED` for a cancelled extraction. */
export function extractionAborted(cause?: unknown): ImsError {
  return new ImsError(
    'IMS_ABORTED',
    'Archive extraction was cancelled; what was extracted has been removed.',
    {
      hint: 'Run the operation again to extract the archive.',
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/** A failure writing into the target directory (no space, permissions, I/O); the message carries the system's reason. */
export function targetWriteFailed(entry: string, error: unknown): ImsError {
  const code = errnoCode(error);
  return new ImsError(
    'IMS_IO_FAILED',
    `Writing archive entry ${JSON.stringify(entry)} into the target directory failed: ${describe(error)}.`,
    {
      hint: 'Check free space and permissions of the target directory; nothing extracted was kept.',
      cause: error,
      details: { entry, ...(code === undefined ? {} : { errno: code }) },
    },
  );
}

/** Which stage of the reading pipeline failed first. */
export type FailedStage = 'source' | 'gunzip' | 'tar';

/** Turns a failure of the archive's byte stream into an `ImsError` that says what was wrong and where. */
export function classifyStreamFailure(stage: FailedStage, error: unknown, at: ArchivePosition): ImsError {
  if (stage === 'gunzip') {
    if (errnoCode(error) === 'Z_BUF_ERROR')
      return corruptArchive(`the gzip data is truncated ${where(at)}`, error);
    return corruptArchive(`the gzip data is corrupt ${where(at)} (${describe(error)})`, error);
  }
  if (stage === 'tar') return classifyTarFailure(error, at);
  return corruptArchive(`reading the archive failed ${where(at)}: ${describe(error)}`, error);
}

function classifyTarFailure(error: unknown, at: ArchivePosition): ImsError {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('Unexpected end of data')) {
    return corruptArchive(`the tar data is truncated ${where(at)}`, error);
  }
  if (message.startsWith('Invalid tar header')) {
    const what = message.includes('unknown format') ? 'has an unknown format' : 'fails its checksum';
    if (at.previous === undefined && at.current === undefined) {
      const container = at.gzip ? 'the gzip data does not hold a tar archive' : 'it is neither gzip nor tar';
      return corruptArchive(`${container} (the first 512-byte header ${what})`, error);
    }
    return corruptArchive(`the tar header ${where(at)} ${what} (checksum error or damaged data)`, error);
  }
  return corruptArchive(`the tar data is malformed ${where(at)} (${message})`, error);
}

function where(at: ArchivePosition): string {
  if (at.current !== undefined) return `inside entry ${JSON.stringify(at.current)}`;
  if (at.previous !== undefined) return `after entry ${JSON.stringify(at.previous)}`;
  return 'before the first entry';
}

/** The `code` property of a Node system or zlib error. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
