import { isIPv4, isIPv6 } from 'node:net';
import { type BootNic, type BootParams, ImsError } from '@ims/spi';

/** The longest user parameter name, in characters (Unicode code points). */
export const BOOTPARAMS_PARAM_NAME_MAX = 64;

const MAC_PATTERN = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
const HOSTNAME_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const HOSTNAME_MAX = 253;
// A public key is one line: a control character (or a Unicode line break) would split or corrupt authorized_keys.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NOT_ONE_PRINTABLE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The IMS_BOOTPARAMS_INVALID error for `field`, saying why it was refused. */
export function invalidBootParams(field: string, reason: string, hint: string): ImsError {
  return new ImsError('IMS_BOOTPARAMS_INVALID', `Boot parameter ${field} is invalid: ${reason}.`, {
    hint,
    details: { field },
  });
}

/** The IMS_BOOTPARAMS_INVALID error for the set as a whole (size, collisions), saying why it was refused. */
export function refusedBootParams(reason: string, hint: string, details: Record<string, unknown>): ImsError {
  return new ImsError('IMS_BOOTPARAMS_INVALID', `The boot parameters are refused: ${reason}.`, {
    hint,
    details,
  });
}

/** A short, printable rendering of a possibly long or hostile text for messages. */
export function preview(text: string): string {
  const shown = [...text].slice(0, 40).join('');
  return JSON.stringify(shown) + (shown.length < text.length ? '…' : '');
}

/** True for an RFC 1123 host name: dot-separated labels of letters, digits and inner dashes, at most 253 characters. */
export function isValidHostname(hostname: string): boolean {
  return hostname.length <= HOSTNAME_MAX && hostname.split('.').every((label) => HOSTNAME_LABEL.test(label));
}

/** True for a MAC address as the contract writes it: six lower-case hex pairs joined by colons. */
export function isCanonicalMac(mac: string): boolean {
  return MAC_PATTERN.test(mac) && mac === mac.toLowerCase();
}

/** The IP family of a literal address without a zone index, or undefined when it is not one. */
export function ipFamily(address: string): 4 | 6 | undefined {
  if (isIPv4(address)) return 4;
  return isIPv6(address) && !address.includes('%') ? 6 : undefined;
}

/** The longest prefix length of an IP family. */
export function maxPrefix(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/**
 * Checks every field of `params` and returns a copy with MACs lower-cased; refuses with
 * IMS_BOOTPARAMS_INVALID naming the field. Values are otherwise any text without NUL.
 */
export function validateBootParams(params: BootParams): BootParams {
  assertText('vmName', params.vmName);
  if (params.vmName === '') throw invalidBootParams('vmName', 'it is empty', 'Pass the name of the VM.');
  assertText('hostname', params.hostname);
  if (!isValidHostname(params.hostname)) {
    throw invalidBootParams(
      'hostname',
      `${preview(params.hostname)} is not a valid host name (dot-separated labels of letters, digits and inner dashes, each 1-63 and all at most ${HOSTNAME_MAX} characters)`,
      'Choose a host name such as "web-1" or "web-1.example.org".',
    );
  }
  const nics = params.nics.map((nic, index) => validateNic(nic, `nics[${index}]`));
  const macs = nics.map((nic) => nic.mac);
  const twice = macs.findIndex((mac, index) => macs.indexOf(mac) !== index);
  if (twice >= 0) {
    throw invalidBootParams(
      `nics[${twice}].mac`,
      `${macs[twice]} is also the MAC of nics[${macs.indexOf(macs[twice]!)}], and the guest finds each NIC by its MAC`,
      'Give every NIC its own MAC address.',
    );
  }
  params.dns.forEach((server, index) => {
    assertText(`dns[${index}]`, server);
    if (ipFamily(server) === undefined) {
      throw invalidBootParams(
        `dns[${index}]`,
        `${preview(server)} is not an IPv4 or IPv6 address`,
        'List DNS servers by IP address.',
      );
    }
  });
  params.sshKeys.forEach((key, index) => {
    assertText(`sshKeys[${index}]`, key);
    if (key === '' || NOT_ONE_PRINTABLE_LINE.test(key)) {
      throw invalidBootParams(
        `sshKeys[${index}]`,
        'an SSH public key must be one non-empty line without control characters',
        'Pass each key in the one-line OpenSSH format, e.g. the content of ~/.ssh/id_ed25519.pub.',
      );
    }
  });
  for (const [name, value] of Object.entries(params.params)) {
    const field = `params[${preview(name)}]`;
    assertText(`the name of ${field}`, name);
    if (typeof value !== 'string') {
      throw invalidBootParams(field, 'its value is not a string', 'Give every parameter a text value.');
    }
    assertText(field, value);
    const length = [...name].length;
    if (length === 0)
      throw invalidBootParams(
        field,
        'the name is empty',
        'Give every parameter a name, as in --param key=value.',
      );
    if (length > BOOTPARAMS_PARAM_NAME_MAX) {
      throw invalidBootParams(
        field,
        `the name is ${length} characters, ${length - BOOTPARAMS_PARAM_NAME_MAX} over the limit of ${BOOTPARAMS_PARAM_NAME_MAX}`,
        `Use parameter names of at most ${BOOTPARAMS_PARAM_NAME_MAX} characters.`,
      );
    }
  }
  return { ...params, nics };
}

function validateNic(nic: BootNic, field: string): BootNic {
  assertText(`${field}.mac`, nic.mac);
  if (!MAC_PATTERN.test(nic.mac)) {
    throw invalidBootParams(
      `${field}.mac`,
      `${preview(nic.mac)} is not a MAC address of six colon-separated hex pairs`,
      'Write the MAC as 52:54:00:12:34:56.',
    );
  }
  const mac = nic.mac.toLowerCase();
  if ((Number.parseInt(mac.slice(0, 2), 16) & 1) === 1) {
    throw invalidBootParams(
      `${field}.mac`,
      `${mac} is a multicast address, which no NIC has`,
      'Use a unicast MAC address.',
    );
  }
  let family: 4 | 6 | undefined;
  if (nic.address !== 'dhcp') {
    const { address, prefix } = nic.address;
    assertText(`${field}.address.address`, address);
    family = ipFamily(address);
    if (family === undefined) {
      throw invalidBootParams(
        `${field}.address.address`,
        `${preview(address)} is not an IPv4 or IPv6 address`,
        "Give a static address like 10.0.2.15 with its prefix, or 'dhcp'.",
      );
    }
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix(family)) {
      throw invalidBootParams(
        `${field}.address.prefix`,
        `${String(prefix)} is not a prefix length from 0 to ${maxPrefix(family)} for an IPv${family} address`,
        'Give the prefix length as a whole number, e.g. 24.',
      );
    }
  }
  if (nic.gateway !== undefined) {
    assertText(`${field}.gateway`, nic.gateway);
    const gatewayFamily = ipFamily(nic.gateway);
    if (gatewayFamily === undefined || (family !== undefined && gatewayFamily !== family)) {
      throw invalidBootParams(
        `${field}.gateway`,
        `${preview(nic.gateway)} is not an IPv${family ?? '4 or IPv6'} address`,
        "Give the gateway as an address of the same family as the NIC's address.",
      );
    }
  }
  return { ...nic, mac };
}

// NUL cannot live in a shell variable, and a lone surrogate has no UTF-8 form: both would change on the way.
function assertText(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw invalidBootParams(field, 'it is not a string', 'Pass text.');
  }
  if (value.includes('\u0000')) {
    throw invalidBootParams(
      field,
      'it contains a NUL character, which no shell variable can hold',
      'Remove the NUL character.',
    );
  }
  if (/\p{Cs}/u.test(value)) {
    throw invalidBootParams(
      field,
      'it contains an unpaired UTF-16 surrogate, which has no UTF-8 encoding',
      'Pass well-formed Unicode text.',
    );
  }
}
