import { beforeAll, describe, expect, it } from 'vitest';
import {
  guestConfigFromConf,
  parseBootparamsConf,
  readBootImage,
  readIsoFiles,
} from '../../src/guest-sim/index.js';
import { makeIso } from './iso-tools.js';

const SECTOR = 2048;
const SECRET = 'hunter2-secret';
const VALID_CONF =
  "IMS_BOOTPARAMS_VERSION='1'\nIMS_VM_NAME='a'\nIMS_HOSTNAME='a'\nIMS_NET_COUNT='0'\nIMS_SSH_KEY_COUNT='0'\n";

function setBoth32(image: Uint8Array, at: number, value: number): void {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  view.setUint32(at, value, true);
  view.setUint32(at + 4, value, false);
}

/** Byte offsets of the volume descriptors of a given type (1 primary, 2 supplementary). */
function descriptors(image: Uint8Array, type: number): number[] {
  const found: number[] = [];
  for (let at = 16 * SECTOR; image[at] !== 255; at += SECTOR) if (image[at] === type) found.push(at);
  return found;
}

/** The start of the Joliet directory record of `name`. */
function jolietRecord(image: Uint8Array, name: string): number {
  const utf16be = new Uint8Array(Buffer.from(name, 'utf16le').swap16());
  const at = Buffer.from(image).indexOf(utf16be);
  if (at < 33) throw new Error(`no Joliet record for ${name}`);
  return at - 33;
}

describe('malformed images', () => {
  let valid: Uint8Array = new Uint8Array();
  beforeAll(async () => {
    valid = await makeIso('genisoimage', { 'bootparams.conf': VALID_CONF }, true);
    expect(readBootImage(valid).vmName).toBe('a');
  });
  const broken = (change: (image: Uint8Array) => void): Uint8Array => {
    const copy = valid.slice();
    change(copy);
    return copy;
  };

  it('refuses an empty, tiny or all-zero image', () => {
    expect(() => readIsoFiles(new Uint8Array())).toThrow(/no volume descriptor set terminator/);
    expect(() => readIsoFiles(new Uint8Array(100))).toThrow(/no volume descriptor set terminator/);
    expect(() => readIsoFiles(new Uint8Array(128 * 1024))).toThrow(/sector 16 lacks the CD001 signature/);
  });

  it('refuses a truncated image', () => {
    expect(() => readIsoFiles(valid.subarray(0, 17 * SECTOR + 100))).toThrow(/truncated/);
    expect(() => readIsoFiles(valid.subarray(0, valid.length - SECTOR))).toThrow(
      /the volume claims \d+ bytes/,
    );
  });

  it('refuses bad volume descriptors', () => {
    expect(() => readIsoFiles(broken((i) => i.set([0x43, 0x44, 0x30, 0x30, 0x32], 16 * SECTOR + 1)))).toThrow(
      /CD001/,
    );
    const primary = descriptors(valid, 1)[0] ?? 0;
    expect(() => readIsoFiles(broken((i) => i.set([0, 2], primary + 128)))).toThrow(
      /logical block size is 512/,
    );
    expect(() => readIsoFiles(broken((i) => i.set([1], primary + 80)))).toThrow(
      /different little- and big-endian/,
    );
  });

  it('refuses extents outside the image', () => {
    const joliet = descriptors(valid, 2)[0] ?? 0;
    expect(() => readIsoFiles(broken((i) => setBoth32(i, joliet + 156 + 2, 0xfffff)))).toThrow(
      /root directory extent \(block 1048575, \d+ bytes\) lies outside/,
    );
    const record = jolietRecord(valid, 'bootparams.conf');
    expect(() => readIsoFiles(broken((i) => setBoth32(i, record + 10, valid.length)))).toThrow(
      /bootparams.conf extent .* lies outside/,
    );
    expect(() => readIsoFiles(broken((i) => setBoth32(i, record + 2, 0)))).toThrow(/lies outside/);
  });

  it('refuses a malformed directory record', () => {
    const record = jolietRecord(valid, 'bootparams.conf');
    expect(() => readIsoFiles(broken((i) => i.set([20], record)))).toThrow(/malformed directory record/);
    expect(() => readIsoFiles(broken((i) => i.set([200], record + 32)))).toThrow(
      /malformed directory record/,
    );
  });
});

describe('malformed bootparams.conf', () => {
  const refusals: [string, string, RegExp][] = [
    ['a line that is not an entry', `${VALID_CONF}echo ${SECRET}\n`, /line 6: not a KEY='value' entry/],
    ['a comment', `# ${SECRET}\n${VALID_CONF}`, /line 1: not a KEY='value' entry/],
    ['a non-IMS key', `${VALID_CONF}PATH='${SECRET}'\n`, /line 6: key PATH is not an IMS_ key/],
    ['a bare IMS_ key', `IMS_='${SECRET}'\n`, /line 1: key IMS_ is not an IMS_ key/],
    [
      'an unterminated quote',
      `${VALID_CONF}IMS_PARAM_X='${SECRET}\nmore\n`,
      /value of IMS_PARAM_X \(line 6\) has no closing quote/,
    ],
    [
      'text after the closing quote',
      `IMS_A='${SECRET}'; rm -rf /\n`,
      /line 1: text after the closing quote of IMS_A/,
    ],
    ['an unquoted value', `IMS_A=${SECRET}\n`, /line 1: not a KEY='value' entry/],
    [
      'a DOS line ending',
      `IMS_A='${SECRET}'\r\n`,
      /line 1: carriage return \(DOS line ending\) after the closing quote of IMS_A/,
    ],
    ['a key given twice', `IMS_A='1'\n\nIMS_A='${SECRET}'\n`, /line 3: key IMS_A appears twice/],
    ['a NUL character', `IMS_A='${SECRET}\0'\n`, /contains NUL/],
    ['more than 64 KiB', `IMS_A='${'x'.repeat(65536)}'\n`, /more than the limit of 65536/],
  ];
  it.each(refusals)('refuses %s, without echoing the value', (_, text, message) => {
    expect(() => parseBootparamsConf(text)).toThrow(message);
    try {
      parseBootparamsConf(text);
    } catch (error) {
      expect((error as Error).message).not.toContain(SECRET);
    }
  });

  it('accepts blank lines, a missing final newline, and decodes quoting like sh', () => {
    expect(parseBootparamsConf("\nIMS_A='a'\\''b'\\'''\n\nIMS_B='x\n\ny'")).toEqual({
      IMS_A: "a'b'",
      IMS_B: 'x\n\ny',
    });
  });
});

describe('configuration refusals', () => {
  const conf = (extra: Record<string, string> = {}, without: string[] = []): Record<string, string> => {
    const entries = { ...parseBootparamsConf(VALID_CONF), ...extra };
    for (const key of without) delete entries[key];
    return entries;
  };
  const nic = { IMS_NET_COUNT: '1', IMS_NET0_MAC: '52:54:00:00:00:01', IMS_NET0_ADDRESS: '10.0.0.2/24' };

  it('accepts the valid base', () => {
    expect(guestConfigFromConf(conf(nic)).nics).toEqual([
      { mac: '52:54:00:00:00:01', address: { address: '10.0.0.2', prefix: 24 } },
    ]);
  });
  it.each([
    ['an unknown version', conf({ IMS_BOOTPARAMS_VERSION: '2' }), /IMS_BOOTPARAMS_VERSION is not 1/],
    [
      'a missing version',
      conf({}, ['IMS_BOOTPARAMS_VERSION']),
      /required key IMS_BOOTPARAMS_VERSION is missing/,
    ],
    ['a missing hostname', conf({}, ['IMS_HOSTNAME']), /required key IMS_HOSTNAME is missing/],
    ['a missing NIC key', conf({ IMS_NET_COUNT: '1' }), /required key IMS_NET0_MAC is missing/],
    ['a missing SSH key', conf({ IMS_SSH_KEY_COUNT: '1' }), /required key IMS_SSH_KEY_1 is missing/],
    ['a bad count', conf({ IMS_NET_COUNT: '-1' }), /IMS_NET_COUNT is not a count/],
    [
      'an upper-case MAC',
      conf({ ...nic, IMS_NET0_MAC: '52:54:00:00:00:AB' }),
      /IMS_NET0_MAC is not a lower-case MAC/,
    ],
    ['a bad address', conf({ ...nic, IMS_NET0_ADDRESS: '10.0.0.2/33' }), /IMS_NET0_ADDRESS is neither dhcp/],
    ['a bad gateway', conf({ ...nic, IMS_NET0_GATEWAY: 'router' }), /IMS_NET0_GATEWAY is not an IP address/],
    ['a stray key', conf({ IMS_NET3_MAC: '52:54:00:00:00:01' }), /unexpected keys IMS_NET3_MAC/],
  ])('refuses %s', (_, entries, message) => {
    expect(() => guestConfigFromConf(entries)).toThrow(message);
  });
});
