/**
 * The shape check of `bootparams.conf`, accepting exactly what the guest scripts'
 * validate-bootparams.awk accepts (plus the stricter key rule of the contract), and decoding
 * each POSIX single-quoted value the way `.` in a shell would. Errors name lines and keys, never values.
 */

/** Largest bootparams.conf a guest accepts, in bytes (docs/boot-parameters.md). */
export const BOOTPARAMS_MAX_BYTES = 65536;

const ENTRY_START = /^([A-Z][A-Z0-9_]*)='/;
const IMS_KEY = /^IMS_[A-Z0-9_]+$/;
const ESCAPED_QUOTE = "\\''";

/** Parses bootparams.conf text into its keys and decoded values; throws naming the offending line. */
export function parseBootparamsConf(text: string): Record<string, string> {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > BOOTPARAMS_MAX_BYTES) {
    throw new Error(`bootparams.conf has ${bytes} bytes, more than the limit of ${BOOTPARAMS_MAX_BYTES}`);
  }
  if (text.includes('\0')) throw new Error('bootparams.conf contains NUL characters');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop(); // the newline ending the last line starts no new line
  const entries: Record<string, string> = {}; // keys are IMS_*, so never __proto__
  let key: string | undefined;
  let keyLine = 0;
  let value = '';
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    let rest = line;
    if (key === undefined) {
      if (line === '') return;
      const start = ENTRY_START.exec(line);
      if (!start?.[1]) throw new Error(`bootparams.conf line ${lineNo}: not a KEY='value' entry`);
      if (!IMS_KEY.test(start[1]))
        throw new Error(`bootparams.conf line ${lineNo}: key ${start[1]} is not an IMS_ key`);
      if (Object.hasOwn(entries, start[1]))
        throw new Error(`bootparams.conf line ${lineNo}: key ${start[1]} appears twice`);
      key = start[1];
      keyLine = lineNo;
      value = '';
      rest = line.slice(start[0].length);
    } else {
      value += '\n';
    }
    for (;;) {
      const quote = rest.indexOf("'");
      if (quote < 0) {
        value += rest;
        return;
      }
      value += rest.slice(0, quote);
      const after = rest.slice(quote + 1);
      if (after === '') {
        entries[key] = value;
        key = undefined;
        return;
      }
      if (!after.startsWith(ESCAPED_QUOTE)) {
        const why = after.startsWith('\r') ? 'carriage return (DOS line ending)' : 'text';
        throw new Error(
          `bootparams.conf line ${lineNo}: ${why} after the closing quote of ${key} (only KEY='value' is allowed)`,
        );
      }
      value += "'";
      rest = after.slice(ESCAPED_QUOTE.length);
    }
  });
  if (key !== undefined)
    throw new Error(`bootparams.conf: the value of ${key} (line ${keyLine}) has no closing quote`);
  return entries;
}
