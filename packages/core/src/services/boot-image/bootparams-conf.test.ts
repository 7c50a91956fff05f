import type { BootParams } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { exampleParams } from '../../../test/boot-image/params.js';
import { thrownImsError } from '../../../test/boot-image/tools.js';
import {
  BOOTPARAMS_CONF_MAX_BYTES,
  bootParamsEntries,
  paramKey,
  parseBootParamsConf,
  renderBootParamsConf,
  shellQuote,
} from './bootparams-conf.js';

describe('shellQuote', () => {
  it('wraps in single quotes and writes each quote as close, escaped quote, reopen', () => {
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('plain')).toBe("'plain'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("''")).toBe("''\\'''\\'''");
    expect(shellQuote('$(id) `x` \\ \n')).toBe("'$(id) `x` \\ \n'");
  });
});

describe('paramKey', () => {
  it('upper-cases ASCII and turns every other character into one underscore per character', () => {
    expect(paramKey('das.host')).toBe('IMS_PARAM_DAS_HOST');
    expect(paramKey('a-b_c9')).toBe('IMS_PARAM_A_B_C9');
    expect(paramKey('ß🚀ı')).toBe('IMS_PARAM____');
  });
});

describe('renderBootParamsConf', () => {
  it('writes the contract example exactly, in order', () => {
    expect(renderBootParamsConf(exampleParams())).toBe(
      [
        "IMS_BOOTPARAMS_VERSION='1'",
        "IMS_VM_NAME='web-1'",
        "IMS_HOSTNAME='web-1'",
        "IMS_NET_COUNT='1'",
        "IMS_NET0_MAC='52:54:00:12:34:56'",
        "IMS_NET0_ADDRESS='10.0.2.15/24'",
        "IMS_NET0_GATEWAY='10.0.2.2'",
        "IMS_DNS='10.0.2.3 10.0.2.4'",
        "IMS_SSH_KEY_COUNT='2'",
        "IMS_SSH_KEY_1='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey1 admin@ims'",
        "IMS_SSH_KEY_2='ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQKey2 ops'",
        "IMS_PARAM_DAS_HOST='admin.example'",
        '',
      ].join('\n'),
    );
  });

  it('leaves out the gateway and DNS lines when unset, keeps the key count at 0, lower-cases MACs', () => {
    const text = renderBootParamsConf(
      exampleParams({
        nics: [
          { mac: '52:54:00:AB:CD:EF', address: 'dhcp' },
          { mac: '52:54:00:00:00:02', address: { address: 'fd00::15', prefix: 64 }, gateway: 'fd00::1' },
        ],
        dns: [],
        sshKeys: [],
        params: {},
      }),
    );
    expect(text).toBe(
      [
        "IMS_BOOTPARAMS_VERSION='1'",
        "IMS_VM_NAME='web-1'",
        "IMS_HOSTNAME='web-1'",
        "IMS_NET_COUNT='2'",
        "IMS_NET0_MAC='52:54:00:ab:cd:ef'",
        "IMS_NET0_ADDRESS='dhcp'",
        "IMS_NET1_MAC='52:54:00:00:00:02'",
        "IMS_NET1_ADDRESS='fd00::15/64'",
        "IMS_NET1_GATEWAY='fd00::1'",
        "IMS_SSH_KEY_COUNT='0'",
        '',
      ].join('\n'),
    );
  });

  it('sorts user parameters by key, not by name or insertion order', () => {
    const text = renderBootParamsConf(exampleParams({ params: { zeta: '1', 'b.x': '2', B_A: '3', a: '4' } }));
    expect(text.split('\n').filter((line) => line.startsWith('IMS_PARAM_'))).toEqual([
      "IMS_PARAM_A='4'",
      "IMS_PARAM_B_A='3'",
      "IMS_PARAM_B_X='2'",
      "IMS_PARAM_ZETA='1'",
    ]);
  });

  it('keeps newlines and quotes inside the quotes of a value', () => {
    const text = renderBootParamsConf(exampleParams({ params: { motd: "line 1\nit's line 2\n" } }));
    expect(text.endsWith("IMS_PARAM_MOTD='line 1\nit'\\''s line 2\n'\n")).toBe(true);
  });

  it('accepts a set of exactly the size limit and refuses one byte more, with the size in the message', () => {
    const base = renderBootParamsConf(exampleParams({ params: { pad: '' } }));
    const room = BOOTPARAMS_CONF_MAX_BYTES - Buffer.byteLength(base);
    expect(
      Buffer.byteLength(renderBootParamsConf(exampleParams({ params: { pad: 'x'.repeat(room) } }))),
    ).toBe(BOOTPARAMS_CONF_MAX_BYTES);
    const error = thrownImsError(() =>
      renderBootParamsConf(exampleParams({ params: { pad: 'x'.repeat(room + 1) } })),
    );
    expect(error.code).toBe('IMS_BOOTPARAMS_INVALID');
    expect(error.message).toContain(`${BOOTPARAMS_CONF_MAX_BYTES + 1} bytes, 1 over the limit of 65536`);
  });

  it('counts the size in UTF-8 bytes, not characters', () => {
    const base = renderBootParamsConf(exampleParams({ params: { pad: '' } }));
    const room = BOOTPARAMS_CONF_MAX_BYTES - Buffer.byteLength(base);
    const error = thrownImsError(() =>
      renderBootParamsConf(exampleParams({ params: { pad: '🚀'.repeat(Math.ceil(room / 4) + 1) } })),
    );
    expect(error.message).toMatch(/over the limit of 65536 bytes/);
  });

  it('refuses two user parameters whose keys collide, naming both', () => {
    const error = thrownImsError(() =>
      renderBootParamsConf(exampleParams({ params: { 'a.b': '1', 'a-b': '2' } })),
    );
    expect(error.code).toBe('IMS_BOOTPARAMS_INVALID');
    expect(error.message).toContain('"a.b"');
    expect(error.message).toContain('"a-b"');
    expect(error.message).toContain('IMS_PARAM_A_B');
    const byCase = thrownImsError(() =>
      renderBootParamsConf(exampleParams({ params: { Host: '1', host: '2' } })),
    );
    expect(byCase.message).toContain('"Host" and "host"');
  });

  it('refuses a user parameter name over 64 characters, saying by how much', () => {
    expect(() => renderBootParamsConf(exampleParams({ params: { ['n'.repeat(64)]: '' } }))).not.toThrow();
    const error = thrownImsError(() =>
      renderBootParamsConf(exampleParams({ params: { ['n'.repeat(70)]: '' } })),
    );
    expect(error.code).toBe('IMS_BOOTPARAMS_INVALID');
    expect(error.message).toContain('70 characters, 6 over the limit of 64');
  });

  const refused: Array<[string, Partial<BootParams>, string]> = [
    ['a NUL in a value', { params: { key: 'a\u0000b' } }, 'NUL'],
    ['a NUL in a parameter name', { params: { 'k\u0000': 'v' } }, 'NUL'],
    ['a NUL in the VM name', { vmName: 'web\u00001' }, 'vmName'],
    ['an unpaired surrogate', { params: { key: 'a\ud800' } }, 'surrogate'],
    ['an empty parameter name', { params: { '': 'v' } }, 'name is empty'],
    ['an empty VM name', { vmName: '' }, 'vmName'],
    ['a host name with an underscore', { hostname: 'web_1' }, 'hostname'],
    ['a host name with a leading dash', { hostname: '-web' }, 'hostname'],
    ['a host name with a trailing dot', { hostname: 'web.' }, 'hostname'],
    ['a host name with a newline', { hostname: 'web\n1' }, 'hostname'],
    ['a host label of 64 characters', { hostname: 'a'.repeat(64) }, 'hostname'],
    ['a MAC without colons', { nics: [{ mac: '525400123456', address: 'dhcp' }] }, 'nics[0].mac'],
    ['a MAC with a bad digit', { nics: [{ mac: '52:54:00:12:34:5g', address: 'dhcp' }] }, 'nics[0].mac'],
    ['a multicast MAC', { nics: [{ mac: '01:00:5e:00:00:01', address: 'dhcp' }] }, 'multicast'],
    [
      'two NICs with one MAC',
      {
        nics: [
          { mac: '52:54:00:12:34:56', address: 'dhcp' },
          { mac: '52:54:00:12:34:56', address: 'dhcp' },
        ],
      },
      'nics[1].mac',
    ],
    [
      'an IPv4 prefix of 33',
      { nics: [{ mac: '52:54:00:12:34:56', address: { address: '10.0.0.1', prefix: 33 } }] },
      'nics[0].address.prefix',
    ],
    [
      'a negative prefix',
      { nics: [{ mac: '52:54:00:12:34:56', address: { address: '10.0.0.1', prefix: -1 } }] },
      'prefix',
    ],
    [
      'a fractional prefix',
      { nics: [{ mac: '52:54:00:12:34:56', address: { address: '10.0.0.1', prefix: 24.5 } }] },
      'prefix',
    ],
    [
      'an IPv6 prefix of 129',
      { nics: [{ mac: '52:54:00:12:34:56', address: { address: 'fd00::1', prefix: 129 } }] },
      'prefix',
    ],
    [
      'a bad address',
      { nics: [{ mac: '52:54:00:12:34:56', address: { address: '10.0.0.256', prefix: 24 } }] },
      'nics[0].address.address',
    ],
    [
      'an address with a zone',
      { nics: [{ mac: '52:54:00:12:34:56', address: { address: 'fe80::1%eth0', prefix: 64 } }] },
      'address',
    ],
    [
      'an IPv6 gateway for an IPv4 address',
      {
        nics: [
          { mac: '52:54:00:12:34:56', address: { address: '10.0.0.5', prefix: 24 }, gateway: 'fd00::1' },
        ],
      },
      'nics[0].gateway',
    ],
    [
      'a bad gateway',
      { nics: [{ mac: '52:54:00:12:34:56', address: 'dhcp', gateway: 'router' }] },
      'nics[0].gateway',
    ],
    ['a bad DNS server', { dns: ['10.0.0.1', 'dns.example'] }, 'dns[1]'],
    ['a two-line SSH key', { sshKeys: ['ssh-ed25519 AAAA a\nssh-ed25519 BBBB b'] }, 'sshKeys[0]'],
    ['an empty SSH key', { sshKeys: [''] }, 'sshKeys[0]'],
  ];
  it.each(refused)(
    'refuses %s with IMS_BOOTPARAMS_INVALID naming the field',
    (_label, overrides, mention) => {
      const error = thrownImsError(() => renderBootParamsConf(exampleParams(overrides)));
      expect(error.code).toBe('IMS_BOOTPARAMS_INVALID');
      expect(error.message).toContain(mention);
      expect(error.hint).toBeTruthy();
    },
  );

  it('never puts a parameter value into an error message', () => {
    const error = thrownImsError(() =>
      renderBootParamsConf(exampleParams({ params: { password: 'hunter2-secret\u0000' } })),
    );
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error.details)).not.toContain('hunter2');
  });

  it('accepts the edges: prefix 0 and 32, a 63-character label, a 253-character host name, an IPv4-mapped address', () => {
    const label = 'a'.repeat(63);
    expect(() =>
      renderBootParamsConf(
        exampleParams({
          hostname: [label, label, label, 'b'.repeat(61)].join('.'),
          nics: [
            { mac: '52:54:00:12:34:56', address: { address: '10.0.0.1', prefix: 0 } },
            { mac: '52:54:00:12:34:57', address: { address: '::ffff:10.0.0.2', prefix: 128 } },
            { mac: '52:54:00:12:34:58', address: { address: '10.0.0.3', prefix: 32 } },
          ],
        }),
      ),
    ).not.toThrow();
    expect(() =>
      renderBootParamsConf(exampleParams({ hostname: [label, label, label, 'b'.repeat(62)].join('.') })),
    ).toThrow(/hostname/);
  });
});

describe('parseBootParamsConf', () => {
  const variety: BootParams = exampleParams({
    vmName: "it's a\nname",
    nics: [
      { mac: '52:54:00:12:34:56', address: 'dhcp', gateway: '10.0.0.1' },
      { mac: '52:54:00:12:34:57', address: { address: 'fd00::2', prefix: 64 } },
    ],
    params: { "q'uote": "'", newline: '\n', empty: '', emoji: '🚀 עברית', 'a.b': "'\\''" },
  });

  it('reads back exactly the entries that were rendered', () => {
    for (const params of [
      exampleParams(),
      variety,
      exampleParams({ nics: [], dns: [], sshKeys: [], params: {} }),
    ]) {
      expect(parseBootParamsConf(renderBootParamsConf(params))).toEqual(new Map(bootParamsEntries(params)));
    }
    expect(parseBootParamsConf(renderBootParamsConf(variety)).get('IMS_PARAM_Q_UOTE')).toBe("'");
    expect(parseBootParamsConf(renderBootParamsConf(variety)).get('IMS_VM_NAME')).toBe("it's a\nname");
  });

  const good = renderBootParamsConf(exampleParams());
  const malformed: Array<[string, string]> = [
    ['an empty file', ''],
    ['no final newline', good.slice(0, -1)],
    ['a comment line', `# comment\n${good}`],
    ['a blank line', `${good}\n`],
    ['a double-quoted value', good.replace("IMS_VM_NAME='web-1'", 'IMS_VM_NAME="web-1"')],
    ['an unquoted value', good.replace("IMS_VM_NAME='web-1'", 'IMS_VM_NAME=web-1')],
    ['a space before the value', good.replace("IMS_VM_NAME='web-1'", "IMS_VM_NAME= 'web-1'")],
    ['adjacent quoted pieces', good.replace("IMS_VM_NAME='web-1'", "IMS_VM_NAME='web''-1'")],
    ['a lower-case key', `${good}ims_param_x='1'\n`],
    ['a CRLF line end', good.replace("IMS_VM_NAME='web-1'\n", "IMS_VM_NAME='web-1'\r\n")],
    [
      'keys out of order',
      good.replace("IMS_VM_NAME='web-1'\nIMS_HOSTNAME='web-1'", "IMS_HOSTNAME='web-1'\nIMS_VM_NAME='web-1'"),
    ],
    ['another version', good.replace("IMS_BOOTPARAMS_VERSION='1'", "IMS_BOOTPARAMS_VERSION='2'")],
    ['a wrong NIC count', good.replace("IMS_NET_COUNT='1'", "IMS_NET_COUNT='2'")],
    ['a count with a leading zero', good.replace("IMS_SSH_KEY_COUNT='2'", "IMS_SSH_KEY_COUNT='02'")],
    ['an upper-case MAC', good.replace('52:54:00:12:34:56', '52:54:00:12:34:5A')],
    ['an address without prefix', good.replace('10.0.2.15/24', '10.0.2.15')],
    ['a repeated user key', `${good}IMS_PARAM_DAS_HOST='x'\n`],
    ['unsorted user keys', `${good}IMS_PARAM_AAA='x'\n`],
    ['an unknown key at the end', `${good}OTHER='x'\n`],
    ['a NUL', good.replace('admin.example', 'admin\u0000example')],
    ['a command after a value', good.replace("IMS_VM_NAME='web-1'", "IMS_VM_NAME='web-1'; id")],
  ];
  it.each(malformed)('refuses %s', (_label, text) => {
    const error = thrownImsError(() => parseBootParamsConf(text));
    expect(error.code).toBe('IMS_BOOTPARAMS_INVALID');
    expect(error.message).toMatch(/^bootparams\.conf is malformed: /);
  });

  it('refuses text over the size limit', () => {
    const error = thrownImsError(() =>
      parseBootParamsConf(`${good}IMS_PARAM_Z='${'x'.repeat(BOOTPARAMS_CONF_MAX_BYTES)}'\n`),
    );
    expect(error.message).toContain('over the limit of 65536');
  });
});
