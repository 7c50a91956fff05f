import { readFileSync } from 'node:fs';
import { ImsError, quoteForDisplay } from '@ims/spi';

/**
 * Node hands a program its arguments as strings decoded from the bytes the shell passed, and a
 * byte sequence that is not UTF-8 silently becomes U+FFFD. For boot parameters, which reach the
 * guest byte for byte (docs/boot-parameters.md), that would be a different value than the user
 * gave. The bytes themselves are in /proc/self/cmdline (Linux): a U+FFFD in a value is genuine
 * only when some argument's bytes are valid UTF-8 and decode to it.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The process's arguments as raw bytes (interpreter and script included); undefined without /proc. */
function rawArguments(): Buffer[] | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/cmdline');
  } catch {
    return undefined;
  }
  const words: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i += 1) {
    if (raw[i] !== 0) continue;
    words.push(raw.subarray(start, i));
    start = i + 1;
  }
  if (start < raw.length) words.push(raw.subarray(start));
  return words;
}

/**
 * Refuses a `--param NAME=VALUE` that arrived as bytes that are not UTF-8. Only values holding
 * U+FFFD are looked at, so ordinary commands never read /proc; where the bytes cannot be read, a
 * U+FFFD is refused, since it cannot be told from a decoding loss.
 */
export function assertParamsAreUtf8(pairs: readonly string[]): void {
  let raw: Buffer[] | undefined | null = null;
  for (const pair of pairs) {
    if (!pair.includes('\uFFFD')) continue;
    raw ??= rawArguments();
    const genuine = raw?.some((word) => isUtf8(word) && word.toString('utf8').endsWith(pair)) ?? false;
    if (genuine) continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    throw new ImsError(
      'IMS_BOOTPARAMS_INVALID',
      `--param ${quoteForDisplay(name, 64)}: the value is not valid UTF-8; IMS would have to replace its bytes with U+FFFD, and boot parameters reach the guest byte for byte.`,
      {
        hint: 'Give the value as UTF-8 text (e.g. convert it with `iconv -t UTF-8`), or encode binary data (base64).',
        details: { param: name },
      },
    );
  }
}
