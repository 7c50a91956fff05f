/**
 * Downloads a template archive over http(s) with bounds a hostile or broken server cannot get
 * around: a size cap (a larger declared Content-Length is refused before a byte is written), a
 * time limit for connecting and receiving the response headers, and a stall limit for the body.
 * Ctrl-C cancels with `IMS_ABORTED`.
 */
import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImsError, isImsError, type ProgressReporter } from '@ims/spi';

/** Bounds of one download. */
export interface DownloadLimits {
  /** Refuse bodies (declared or received) larger than this many bytes. */
  maxBytes: number;
  /** Give up when the response headers have not arrived after this many milliseconds. */
  connectTimeoutMs: number;
  /** Give up when less than {@link STALL_MIN_BYTES} of the body arrive within this many milliseconds. */
  stallTimeoutMs: number;
}

/** A body must deliver at least this much per stall window (a trickle is no download). */
export const STALL_MIN_BYTES = 64 * 1024;

/** Defaults: 32 GiB, 30 s to the response headers, 60 s stall window. */
export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = {
  maxBytes: 32 * 1024 ** 3,
  connectTimeoutMs: 30_000,
  stallTimeoutMs: 60_000,
};

const SIZE_SUFFIX: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** The limits, each overridable by its environment variable; a malformed value is `IMS_INVALID_ARGUMENT`. */
export function readDownloadLimits(env: NodeJS.ProcessEnv = process.env): DownloadLimits {
  const limits = { ...DEFAULT_DOWNLOAD_LIMITS };
  const size = env.IMS_DOWNLOAD_MAX_BYTES;
  if (size !== undefined && size !== '') {
    const match = /^([0-9]+)\s*([kmgt]?)(i?b)?$/i.exec(size.trim());
    const value =
      match === null ? Number.NaN : Number(match[1]) * (SIZE_SUFFIX[(match[2] ?? '').toLowerCase()] ?? 1);
    if (!Number.isSafeInteger(value) || value <= 0)
      throw badSetting('IMS_DOWNLOAD_MAX_BYTES', size, 'a size such as 20G, 512M or 1048576');
    limits.maxBytes = value;
  }
  for (const [variable, key] of [
    ['IMS_DOWNLOAD_CONNECT_TIMEOUT', 'connectTimeoutMs'],
    ['IMS_DOWNLOAD_STALL_TIMEOUT', 'stallTimeoutMs'],
  ] as const) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    const seconds = /^[0-9]+(\.[0-9]+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!(seconds > 0)) throw badSetting(variable, text, 'a number of seconds greater than 0');
    limits[key] = Math.round(seconds * 1000);
  }
  return limits;
}

function badSetting(variable: string, value: string, wanted: string): ImsError {
  return new ImsError('IMS_INVALID_ARGUMENT', `${variable}=${JSON.stringify(value)} is not ${wanted}.`, {
    hint: `Set ${variable} to ${wanted}, or unset it for the default (see docs/cli.md).`,
    details: { variable, value },
  });
}

/** Downloads an http(s) URL to `file` (mode 0600), with progress; only the status and size are trusted. */
export async function downloadToFile(
  url: string,
  file: string,
  progress: ProgressReporter,
  signal: AbortSignal,
  limits: DownloadLimits = DEFAULT_DOWNLOAD_LIMITS,
): Promise<void> {
  // Aborted with the ImsError that says why: a limit, or the user's Ctrl-C.
  const stop = new AbortController();
  const onUserAbort = () =>
    stop.abort(
      new ImsError('IMS_ABORTED', `The download of ${url} was cancelled.`, { cause: signal.reason }),
    );
  if (signal.aborted) onUserAbort();
  signal.addEventListener('abort', onUserAbort, { once: true });
  const timers: { headers?: NodeJS.Timeout; stall?: NodeJS.Timeout } = {};
  try {
    timers.headers = setTimeout(
      () =>
        stop.abort(
          new ImsError(
            'IMS_TIMEOUT',
            `${url} did not answer within ${seconds(limits.connectTimeoutMs)} (no response headers).`,
            { hint: 'Check the URL and the server; IMS_DOWNLOAD_CONNECT_TIMEOUT sets this limit.' },
          ),
        ),
      limits.connectTimeoutMs,
    );
    let response: Response;
    try {
      response = await fetch(url, { signal: stop.signal, redirect: 'follow' });
    } catch (cause) {
      throw reasonOr(stop.signal, () => connectionFailed(url, cause));
    } finally {
      clearTimeout(timers.headers);
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      throw new ImsError(
        'IMS_CONNECTION_FAILED',
        `Downloading ${url} failed: HTTP ${response.status} ${response.statusText}.`,
        { hint: 'Check the URL.' },
      );
    }
    const declared = declaredLength(response);
    if (declared !== undefined && declared > limits.maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw tooLarge(url, `it declares ${declared} bytes`, limits.maxBytes);
    }
    const task = progress.start(`download ${basename(new URL(url).pathname)}`, declared, 'bytes');
    let received = 0;
    let atLastCheck = 0;
    timers.stall = setInterval(() => {
      if (received - atLastCheck < STALL_MIN_BYTES) {
        stop.abort(
          new ImsError(
            'IMS_TIMEOUT',
            `The download of ${url} stalled: ${received - atLastCheck} bytes in the last ${seconds(limits.stallTimeoutMs)} (${received} in all).`,
            { hint: 'Try again later or from a faster server; IMS_DOWNLOAD_STALL_TIMEOUT sets this limit.' },
          ),
        );
      }
      atLastCheck = received;
    }, limits.stallTimeoutMs);
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received > limits.maxBytes) {
          callback(tooLarge(url, `more than ${limits.maxBytes} bytes arrived`, limits.maxBytes));
          return;
        }
        task.update(received);
        callback(null, chunk);
      },
    });
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    try {
      await pipeline(body, counter, createWriteStream(file, { mode: 0o600 }), { signal: stop.signal });
    } catch (cause) {
      throw reasonOr(stop.signal, () => (isImsError(cause) ? cause : connectionFailed(url, cause)));
    } finally {
      task.done();
    }
    if (declared !== undefined && received !== declared) {
      throw new ImsError(
        'IMS_CONNECTION_FAILED',
        `The download of ${url} ended after ${received} of the ${declared} bytes it declared.`,
        { hint: 'Try again; if it repeats, the server is broken.' },
      );
    }
  } finally {
    clearTimeout(timers.headers);
    clearInterval(timers.stall);
    signal.removeEventListener('abort', onUserAbort);
  }
}

/** The reason the download was stopped, when it was stopped on purpose; else `otherwise()`. */
function reasonOr(stop: AbortSignal, otherwise: () => ImsError): ImsError {
  return stop.aborted && isImsError(stop.reason) ? stop.reason : otherwise();
}

function declaredLength(response: Response): number | undefined {
  const text = response.headers.get('content-length');
  if (text === null || !/^[0-9]+$/.test(text.trim())) return undefined;
  return Number(text);
}

function connectionFailed(url: string, cause: unknown): ImsError {
  const reason =
    (cause as Error).cause instanceof Error
      ? ((cause as Error).cause as Error).message
      : (cause as Error).message;
  return new ImsError('IMS_CONNECTION_FAILED', `Could not download ${url}: ${reason}.`, {
    cause,
    hint: 'Check the URL and that the server is reachable.',
  });
}

function tooLarge(url: string, what: string, maxBytes: number): ImsError {
  return new ImsError(
    'IMS_ARCHIVE_UNSAFE',
    `Refusing ${url}: ${what}, over the limit of ${maxBytes} bytes.`,
    {
      hint: 'Raise IMS_DOWNLOAD_MAX_BYTES if the template really is that large.',
      details: { url, maxBytes },
    },
  );
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}
