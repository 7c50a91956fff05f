import { ImsError, type StaticAddress } from '@ims/spi';

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

function bad(message: string, hint: string): ImsError {
  return new ImsError('IMS_INVALID_ARGUMENT', message, { hint });
}

/** A MAC address in canonical form (lower case, colons), or `IMS_INVALID_ARGUMENT`. */
export function parseMac(text: string): string {
  const mac = text.trim().toLowerCase().replaceAll('-', ':');
  if (!MAC.test(mac))
    throw bad(`Invalid MAC address ${JSON.stringify(text)}.`, 'Write six hex pairs, e.g. 52:54:00:12:34:56.');
  if ((Number.parseInt(mac.slice(0, 2), 16) & 1) === 1) {
    throw bad(
      `MAC address ${mac} is a multicast address and cannot be a NIC's.`,
      'The lowest bit of the first byte must be 0, e.g. 52:54:00:...',
    );
  }
  return mac;
}

/** An IPv4 address, or `IMS_INVALID_ARGUMENT` naming the flag. */
export function parseIp(text: string, flag: string): string {
  if (!IPV4.test(text))
    throw bad(`${flag} ${JSON.stringify(text)} is not an IPv4 address.`, `Example: ${flag} 10.0.2.2`);
  return text;
}

/** `dhcp` or `ADDRESS/PREFIX`. */
export function parseAddress(text: string): StaticAddress | 'dhcp' {
  if (text === 'dhcp') return 'dhcp';
  const [address = '', prefixText = '', ...rest] = text.split('/');
  const prefix = Number(prefixText);
  if (rest.length > 0 || !IPV4.test(address) || !/^\d{1,2}$/.test(prefixText) || prefix < 1 || prefix > 32) {
    throw bad(
      `--ip ${JSON.stringify(text)} is neither "dhcp" nor an IPv4 address with prefix.`,
      'Example: --ip 10.0.2.15/24, or --ip dhcp.',
    );
  }
  return { address, prefix };
}

/** `--param K=V` pairs as a map; names checked, later duplicates refused. Values may be anything. */
export function parseParams(pairs: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  const normalized = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !PARAM_NAME.test(key)) {
      throw new ImsError(
        'IMS_BOOTPARAMS_INVALID',
        `--param ${JSON.stringify(pair.length > 80 ? `${pair.slice(0, 80)}…` : pair)} is not NAME=VALUE with a valid name.`,
        {
          hint: 'Names start with a letter and use letters, digits, ".", "_" and "-" (up to 64); the value may be anything.',
        },
      );
    }
    // In bootparams.conf names become IMS_PARAM_<NAME> upper-cased, other characters as "_".
    const shellName = key.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    const clash = normalized.get(shellName);
    if (clash !== undefined) {
      throw new ImsError(
        'IMS_BOOTPARAMS_INVALID',
        `--param ${key} and --param ${clash} both become IMS_PARAM_${shellName} in the guest.`,
        {
          hint: 'Give each parameter a name that differs in more than case or punctuation.',
        },
      );
    }
    normalized.set(shellName, key);
    params[key] = pair.slice(eq + 1);
  }
  return params;
}

/** A positive whole number from a flag, or `IMS_INVALID_ARGUMENT`. */
export function parsePositiveInt(text: string, flag: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max)
    throw bad(
      `${flag} takes a whole number from 1 to ${max}, not ${JSON.stringify(text)}.`,
      `Example: ${flag} 2`,
    );
  return n;
}
