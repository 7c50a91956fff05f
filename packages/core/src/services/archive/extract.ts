import { readdir, realpath, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  type ArchiveExtractor,
  type ExtractedEntry,
  type ExtractOptions,
  ImsError,
  isImsError,
} from '@ims/spi';
import { extract as createTarParser } from 'tar-stream';
import {
  type ArchivePosition,
  classifyStreamFailure,
  errnoCode,
  extractionAborted,
  type FailedStage,
  unsafeEntry,
} from './archive-errors.js';
import { type ArchiveInput, openArchiveInput } from './archive-input.js';
import { extractEntry, type TarEntry } from './extract-entry.js';
import { TargetWriter } from './target-writer.js';

/** Default for {@link ExtractOptions.maxTotalBytes}: 64 GiB. */
export const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 ** 3;
/** Default for {@link ExtractOptions.maxEntries}. */
export const DEFAULT_MAX_ENTRIES = 100_000;
/**
 * Default for {@link ExtractOptions.maxExpansionRatio}. gzip expands at most about 1,030 times
 * (long runs of zeros), so a bomb needs a ratio far above what templates have: disk images with an
 * operating system in them compress 3–20 times.
 */
export const DEFAULT_MAX_EXPANSION_RATIO = 200;
/** Default for {@link ExtractOptions.expansionAllowanceBytes}: small archives may expand freely. */
export const DEFAULT_EXPANSION_ALLOWANCE_BYTES = 64 * 1024 ** 2;

interface Limits {
  maxTotalBytes: number;
  maxEntries: number;
  maxExpansionRatio: number;
  expansionAllowanceBytes: number;
}

/** How much of a compressed archive has been read and how much its entries have written. */
interface Expansion {
  /** Compressed bytes consumed so far (0 for a plain tar, which is not checked). */
  consumed: number;
  /** Entry data written so far. */
  written: number;
  /** False for a plain tar: it cannot be smaller than its content. */
  compressed: boolean;
}

/** The host's {@link ArchiveExtractor}: streaming tar/tgz extraction that refuses hostile entries. */
export function createArchiveExtractor(): ArchiveExtractor {
  return { extract: extractArchive };
}

async function extractArchive(
  input: string | Readable,
  targetDir: string,
  options: ExtractOptions = {},
): Promise<ExtractedEntry[]> {
  const limits = readLimits(options);
  const { signal } = options;
  if (isAborted(signal)) throw extractionAborted(signal?.reason);
  const writer = new TargetWriter(await resolveEmptyTarget(targetDir));
  const position: ArchivePosition = { current: undefined, previous: undefined, gzip: false };
  let firstFailure: { stage: FailedStage; error: unknown } | undefined;
  const noteFailure = (stage: FailedStage) => (error: unknown) => {
    firstFailure ??= { stage, error };
  };
  let archive: ArchiveInput | undefined;
  const expansion: Expansion = { consumed: 0, written: 0, compressed: false };
  const onProgress = (done: number, total: number) => {
    expansion.consumed = done;
    options.onProgress?.(done, total);
  };
  const parser = createTarParser();
  parser.on('error', noteFailure('tar'));
  let flowing: Promise<void> | undefined;
  try {
    archive = await openArchiveInput(input, onProgress, signal);
    position.gzip = archive.gunzip !== undefined;
    expansion.compressed = position.gzip;
    archive.raw.on('error', noteFailure('source'));
    archive.counted.on('error', noteFailure('source'));
    archive.gunzip?.on('error', noteFailure('gunzip'));
    // The iterator must listen before bytes flow, or the first entries would be missed.
    const entries = parser[Symbol.asyncIterator]() as AsyncIterator<TarEntry>;
    flowing =
      archive.gunzip === undefined
        ? pipeline(archive.counted, parser)
        : pipeline(archive.counted, archive.gunzip, parser);
    flowing.catch(() => undefined);
    const extracted = await extractEntries(entries, writer, limits, expansion, position, signal);
    await flowing;
    if (isAborted(signal)) throw extractionAborted(signal?.reason);
    return extracted;
  } catch (error) {
    archive?.raw.destroy();
    parser.destroy();
    if (flowing !== undefined) await flowing.catch(() => undefined);
    // Streams report their errors on later turns; wait so the first failing stage is known.
    await nextTurn();
    await writer.removeCreated();
    throw toImsError(error, signal, firstFailure, position);
  }
}

async function extractEntries(
  entries: AsyncIterator<TarEntry>,
  writer: TargetWriter,
  limits: Limits,
  expansion: Expansion,
  position: ArchivePosition,
  signal: AbortSignal | undefined,
): Promise<ExtractedEntry[]> {
  const extracted: ExtractedEntry[] = [];
  let entryCount = 0;
  let totalBytes = 0;
  for (;;) {
    const next = await entries.next();
    if (next.done === true) return extracted;
    if (isAborted(signal)) throw extractionAborted(signal?.reason);
    const { header } = next.value;
    entryCount += 1;
    if (entryCount > limits.maxEntries) {
      throw unsafeEntry(
        header.name,
        `it is entry number ${entryCount}, over the limit maxEntries = ${limits.maxEntries}`,
        { limit: 'maxEntries', maxEntries: limits.maxEntries },
      );
    }
    // Directory sizes are not followed by data, so they do not count.
    totalBytes += header.type === 'directory' ? 0 : (header.size ?? 0);
    if (totalBytes > limits.maxTotalBytes) {
      throw unsafeEntry(
        header.name,
        `its data brings the archive's total to ${totalBytes} bytes, over the limit maxTotalBytes = ${limits.maxTotalBytes}`,
        { limit: 'maxTotalBytes', maxTotalBytes: limits.maxTotalBytes },
      );
    }
    position.current = header.name;
    const reported = await extractEntry(boundedEntry(next.value, limits, expansion), writer);
    position.previous = header.name;
    position.current = undefined;
    if (reported !== undefined) extracted.push(reported);
  }
}

/**
 * The entry with its data checked chunk by chunk against the expansion bound: what has been
 * written may not exceed `maxExpansionRatio` times the compressed bytes read, plus an allowance.
 * A bomb is stopped after writing about the allowance, not its full size.
 */
function boundedEntry(entry: TarEntry, limits: Limits, expansion: Expansion): TarEntry {
  if (!expansion.compressed) return entry;
  const name = entry.header.name;
  return {
    header: entry.header,
    async *[Symbol.asyncIterator]() {
      for await (const chunk of entry) {
        expansion.written += (chunk as Buffer).length;
        const bound = limits.maxExpansionRatio * expansion.consumed + limits.expansionAllowanceBytes;
        if (expansion.written > bound) {
          throw unsafeEntry(
            name,
            `the archive expands more than ${limits.maxExpansionRatio} times: ${expansion.written} bytes written from ${expansion.consumed} compressed bytes (a decompression bomb?)`,
            { limit: 'maxExpansionRatio', maxExpansionRatio: limits.maxExpansionRatio },
          );
        }
        yield chunk;
      }
    },
  };
}

// A function, not an inline test: TypeScript would keep `aborted` narrowed to false across awaits.
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function readLimits(options: ExtractOptions): Limits {
  const limits = {
    maxTotalBytes: options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES,
    maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
    maxExpansionRatio: options.maxExpansionRatio ?? DEFAULT_MAX_EXPANSION_RATIO,
    expansionAllowanceBytes: options.expansionAllowanceBytes ?? DEFAULT_EXPANSION_ALLOWANCE_BYTES,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new ImsError(
        'IMS_INVALID_ARGUMENT',
        `The extraction limit ${name} must be a non-negative number.`,
        {
          hint: `Pass a number of ${name === 'maxEntries' ? 'entries' : name === 'maxExpansionRatio' ? 'times' : 'bytes'} of 0 or more, or leave it out.`,
          details: { [name]: value },
        },
      );
    }
  }
  return limits;
}

/** The real path of the target, which must be an existing empty directory. */
async function resolveEmptyTarget(targetDir: string): Promise<string> {
  const unusable = (why: string, cause?: unknown) =>
    new ImsError('IMS_INVALID_ARGUMENT', `The extraction target ${JSON.stringify(targetDir)} ${why}.`, {
      hint: 'Extract into an existing, empty directory.',
      details: { targetDir },
      ...(cause === undefined ? {} : { cause }),
    });
  let root: string;
  try {
    root = await realpath(targetDir);
    if (!(await stat(root)).isDirectory()) throw unusable('is not a directory');
    if ((await readdir(root)).length > 0) throw unusable('is not empty');
  } catch (error) {
    if (isImsError(error)) throw error;
    if (errnoCode(error) === 'ENOENT') throw unusable('does not exist', error);
    throw unusable(`cannot be used (${String(error)})`, error);
  }
  return root;
}

function toImsError(
  error: unknown,
  signal: AbortSignal | undefined,
  firstFailure: { stage: FailedStage; error: unknown } | undefined,
  position: ArchivePosition,
): ImsError {
  if (isImsError(error)) return error;
  if (isAborted(signal)) return extractionAborted(signal?.reason);
  if (firstFailure !== undefined) {
    if (isImsError(firstFailure.error)) return firstFailure.error;
    return classifyStreamFailure(firstFailure.stage, firstFailure.error, position);
  }
  return classifyStreamFailure('source', error, position);
}
