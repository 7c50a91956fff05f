import { type BootParams, ImsError } from '@ims/spi';
import {
  BOOTPARAMS_PARAM_NAME_MAX,
  ipFamily,
  isCanonicalMac,
  isValidHostname,
  maxPrefix,
  preview,
  refusedBootParams,
  validateBootParams,
} from './bootparams-validate.js';

/** The largest `bootparams.conf`, in bytes of UTF-8. */
export const BOOTPARAMS_CONF_MAX_BYTES = 64 * 1024;

/** The format version written as IMS_BOOTPARAMS_VERSION. */
export const BOOTPARAMS_FORMAT_VERSION = '1';

/** The prefix of every user parameter's key. */
export const PARAM_KEY_PREFIX = 'IMS_PARAM_';

/** One `KEY='value'` line of `bootparams.conf`, before quoting. */
export type BootParamsEntry = readonly [key: string, value: string];

/** A POSIX single-quoted shell literal of `value`: `'...'`, each `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The shell key of a user parameter: ASCII upper-cased, every character not `[A-Z0-9]` turned into `_`. */
export function paramKey(name: string): string {
  let key = PARAM_KEY_PREFIX;
  // Only ASCII is upper-cased: full Unicode case mapping would turn `ı` into `I` and `ß` into `SS`.
  for (const char of name) {
    const upper = char >= 'a' && char <= 'z' ? char.toUpperCase() : char;
    key += /^[A-Z0-9]$/.test(upper) ? upper : '_';
  }
  return key;
}

/**
 * The entries of `bootparams.conf` in contract order, after validating `params` (IMS_BOOTPARAMS_INVALID
 * names the field; two user parameters with the same key are refused, naming both).
 */
export function bootParamsEntries(params: BootParams): BootParamsEntry[] {
  const valid = validateBootParams(params);
  const entries: BootParamsEntry[] = [
    ['IMS_BOOTPARAMS_VERSION', BOOTPARAMS_FORMAT_VERSION],
    ['IMS_VM_NAME', valid.vmName],
    ['IMS_HOSTNAME', valid.hostname],
    ['IMS_NET_COUNT', String(valid.nics.length)],
  ];
  valid.nics.forEach((nic, index) => {
    entries.push([`IMS_NET${index}_MAC`, nic.mac]);
    const address = nic.address === 'dhcp' ? 'dhcp' : `${nic.address.address}/${nic.address.prefix}`;
    entries.push([`IMS_NET${index}_ADDRESS`, address]);
    if (nic.gateway !== undefined) entries.push([`IMS_NET${index}_GATEWAY`, nic.gateway]);
  });
  if (valid.dns.length > 0) entries.push(['IMS_DNS', valid.dns.join(' ')]);
  entries.push(['IMS_SSH_KEY_COUNT', String(valid.sshKeys.length)]);
  valid.sshKeys.forEach((key, index) => {
    entries.push([`IMS_SSH_KEY_${index + 1}`, key]);
  });
  entries.push(...userParamEntries(valid.params));
  return entries;
}

/** The `bootparams.conf` text for `params`, exactly per the contract; refuses with IMS_BOOTPARAMS_INVALID. */
export function renderBootParamsConf(params: BootParams): string {
  const text = bootParamsEntries(params)
    .map(([key, value]) => `${key}=${shellQuote(value)}\n`)
    .join('');
  const size = Buffer.byteLength(text, 'utf8');
  if (size > BOOTPARAMS_CONF_MAX_BYTES) {
    throw refusedBootParams(
      `bootparams.conf would be ${size} bytes, ${size - BOOTPARAMS_CONF_MAX_BYTES} over the limit of ${BOOTPARAMS_CONF_MAX_BYTES} bytes (64 KiB)`,
      'Pass fewer or shorter parameters; put large data somewhere the guest can fetch it and pass its address.',
      { size, limit: BOOTPARAMS_CONF_MAX_BYTES },
    );
  }
  return text;
}

/**
 * Reads `bootparams.conf` text back into its key → value map, in file order. Strict: accepts exactly
 * what {@link renderBootParamsConf} writes (line syntax, quoting, key order, counts, field formats, size)
 * and refuses anything else with IMS_BOOTPARAMS_INVALID.
 */
export function parseBootParamsConf(text: string): Map<string, string> {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > BOOTPARAMS_CONF_MAX_BYTES) {
    throw malformed(
      `it is ${size} bytes, ${size - BOOTPARAMS_CONF_MAX_BYTES} over the limit of ${BOOTPARAMS_CONF_MAX_BYTES}`,
    );
  }
  if (text.includes('\u0000')) throw malformed('it contains a NUL character');
  const entries = splitEntries(text);
  checkStructure(entries);
  return new Map(entries.map((entry) => [entry.key, entry.value]));
}

function userParamEntries(params: Record<string, string>): BootParamsEntry[] {
  const byKey = new Map<string, { name: string; value: string }>();
  for (const [name, value] of Object.entries(params)) {
    const key = paramKey(name);
    const earlier = byKey.get(key);
    if (earlier !== undefined) {
      throw refusedBootParams(
        `the user parameters ${preview(earlier.name)} and ${preview(name)} both become ${key}`,
        'Rename one of them: names that differ only in case or in characters other than letters and digits collide.',
        { names: [earlier.name, name], key },
      );
    }
    byKey.set(key, { name, value });
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, { value }]) => [key, value] as const);
}

interface ParsedEntry {
  key: string;
  value: string;
  line: number;
}

function splitEntries(text: string): ParsedEntry[] {
  // KEY='chunk' followed by any number of \''chunk' pieces: exactly the output of shellQuote.
  const entryPattern = /([A-Z][A-Z0-9_]*)='([^']*)'((?:\\''[^']*')*)\n/y;
  const entries: ParsedEntry[] = [];
  let line = 1;
  while (entryPattern.lastIndex < text.length) {
    const match = entryPattern.exec(text);
    if (match === null) {
      throw malformed(`line ${line} is not KEY='value' with POSIX single quoting, ending in a newline`);
    }
    const [whole, key, first, rest] = match as unknown as [string, string, string, string];
    const value = first + rest.replace(/\\''([^']*)'/g, (_piece, chunk: string) => `'${chunk}`);
    entries.push({ key, value, line });
    line += countNewlines(whole);
  }
  return entries;
}

function checkStructure(entries: readonly ParsedEntry[]): void {
  let position = 0;
  const next = (key: string): ParsedEntry => {
    const entry = entries[position];
    if (entry?.key !== key) {
      throw malformed(
        entry === undefined
          ? `${key} is missing at the end`
          : `line ${entry.line} has ${entry.key} where ${key} belongs`,
      );
    }
    position++;
    return entry;
  };
  const optional = (key: string): ParsedEntry | undefined =>
    entries[position]?.key === key ? next(key) : undefined;
  const expectValue = (entry: ParsedEntry, ok: boolean, what: string): void => {
    if (!ok) throw malformed(`line ${entry.line}: ${entry.key} is not ${what}`);
  };

  const version = next('IMS_BOOTPARAMS_VERSION');
  expectValue(version, version.value === BOOTPARAMS_FORMAT_VERSION, `'${BOOTPARAMS_FORMAT_VERSION}'`);
  const vmName = next('IMS_VM_NAME');
  expectValue(vmName, vmName.value !== '', 'a VM name');
  const hostname = next('IMS_HOSTNAME');
  expectValue(hostname, isValidHostname(hostname.value), 'a valid host name');
  const nicCount = count(next('IMS_NET_COUNT'));
  for (let index = 0; index < nicCount; index++) {
    const mac = next(`IMS_NET${index}_MAC`);
    expectValue(mac, isCanonicalMac(mac.value), 'a lower-case MAC address');
    const address = next(`IMS_NET${index}_ADDRESS`);
    expectValue(
      address,
      address.value === 'dhcp' || isAddressWithPrefix(address.value),
      "'dhcp' or address/prefix",
    );
    const gateway = optional(`IMS_NET${index}_GATEWAY`);
    if (gateway !== undefined) expectValue(gateway, ipFamily(gateway.value) !== undefined, 'an IP address');
  }
  const dns = optional('IMS_DNS');
  if (dns !== undefined) {
    const servers = dns.value.split(' ');
    expectValue(
      dns,
      servers.every((server) => ipFamily(server) !== undefined),
      'space-separated IP addresses',
    );
  }
  const keyCount = count(next('IMS_SSH_KEY_COUNT'));
  for (let index = 1; index <= keyCount; index++) next(`IMS_SSH_KEY_${index}`);
  let previousKey = '';
  for (const entry of entries.slice(position)) {
    const name = entry.key.slice(PARAM_KEY_PREFIX.length);
    if (!entry.key.startsWith(PARAM_KEY_PREFIX) || name === '' || name.length > BOOTPARAMS_PARAM_NAME_MAX) {
      throw malformed(
        `line ${entry.line} has ${entry.key} where only ${PARAM_KEY_PREFIX}<NAME> keys may follow`,
      );
    }
    if (entry.key <= previousKey) {
      throw malformed(
        `line ${entry.line}: ${entry.key} is out of order or repeated (user parameters are sorted by key)`,
      );
    }
    previousKey = entry.key;
  }
}

function count(entry: ParsedEntry): number {
  if (!/^(?:0|[1-9][0-9]{0,5})$/.test(entry.value)) {
    throw malformed(`line ${entry.line}: ${entry.key} is not a decimal count`);
  }
  return Number(entry.value);
}

function isAddressWithPrefix(text: string): boolean {
  const slash = text.lastIndexOf('/');
  const family = ipFamily(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  return (
    slash > 0 &&
    family !== undefined &&
    /^(?:0|[1-9][0-9]{0,2})$/.test(prefix) &&
    Number(prefix) <= maxPrefix(family)
  );
}

function countNewlines(text: string): number {
  let newlines = 0;
  for (const char of text) if (char === '\n') newlines++;
  return newlines;
}

function malformed(reason: string): ImsError {
  return new ImsError('IMS_BOOTPARAMS_INVALID', `bootparams.conf is malformed: ${reason}.`, {
    hint: 'Regenerate the file with IMS instead of editing it by hand.',
  });
}
