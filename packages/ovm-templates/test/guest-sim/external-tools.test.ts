import { describe, expect, it } from 'vitest';
import { readBootImage, readIsoFiles } from '../../src/guest-sim/index.js';
import { makeIso } from './iso-tools.js';

/** Written by hand, so that neither side of the round trip is core's writer. */
const CONF = [
  "IMS_BOOTPARAMS_VERSION='1'",
  "IMS_VM_NAME='db-2'",
  "IMS_HOSTNAME='db-2'",
  "IMS_NET_COUNT='1'",
  "IMS_NET0_MAC='08:00:27:00:00:01'",
  "IMS_NET0_ADDRESS='fd00::5/64'",
  "IMS_SSH_KEY_COUNT='0'",
  "IMS_PARAM_MOTD='it'\\''s $(not) run",
  "second line'",
  '',
].join('\n');

const EXPECTED = {
  version: '1',
  vmName: 'db-2',
  hostname: 'db-2',
  nics: [{ mac: '08:00:27:00:00:01', address: { address: 'fd00::5', prefix: 64 } }],
  dns: [],
  sshKeys: [],
  params: { MOTD: "it's $(not) run\nsecond line" },
};

describe.each(['genisoimage', 'xorriso'] as const)('reading images made by %s', (tool) => {
  it('with Joliet: lower-case names, the configuration', async () => {
    const image = await makeIso(tool, { 'bootparams.conf': CONF, 'meta-data': 'instance-id: x\n' }, true);
    const files = readIsoFiles(image);
    expect([...files.keys()].sort()).toEqual(['bootparams.conf', 'meta-data']);
    expect(new TextDecoder().decode(files.get('meta-data'))).toBe('instance-id: x\n');
    expect(readBootImage(image)).toEqual(EXPECTED);
  });

  it('without Joliet: primary names without version, the configuration', async () => {
    const image = await makeIso(tool, { 'bootparams.conf': CONF, 'meta-data': 'instance-id: x\n' }, false);
    expect([...readIsoFiles(image).keys()].sort()).toEqual(['BOOTPARAMS.CONF', 'META_DATA']);
    expect(readBootImage(image)).toEqual(EXPECTED);
  });

  it('refuses an image without bootparams.conf', async () => {
    const image = await makeIso(tool, { 'meta-data': 'x' }, true);
    expect(() => readBootImage(image)).toThrow('the boot image has no bootparams.conf in its root directory');
  });
});
