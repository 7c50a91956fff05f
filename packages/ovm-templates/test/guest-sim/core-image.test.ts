import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultHostServices } from '@ims/core';
import type { BootParams } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBootImage, readBootImageFile, readIsoFiles } from '../../src/guest-sim/index.js';

const HOSTILE = [
  "it's",
  "'\\''",
  `$(touch /tmp/pwned) \`id\` \${HOME}`,
  'line one\nline two\n\n',
  '\n',
  "ends with quote'",
  'ünïcödé 漢字 🚀',
  '  spaces  \t tab',
  '#not a comment',
  "IMS_X='injected'",
  '',
];

const PARAMS: BootParams = {
  vmName: 'web-1',
  hostname: 'web-1.example',
  nics: [
    { mac: '52:54:00:12:34:56', address: { address: '10.0.2.15', prefix: 24 }, gateway: '10.0.2.2' },
    { mac: '52:54:00:ab:cd:ef', address: 'dhcp' },
  ],
  dns: ['10.0.2.3', '1.1.1.1'],
  sshKeys: ['ssh-ed25519 AAAAC3Nza admin@ims', 'ssh-rsa AAAAB3Nza other@ims'],
  params: Object.fromEntries(HOSTILE.map((value, i) => [`p${i}`, value])),
};

describe('reading images made by core', () => {
  const builder = defaultHostServices({ home: tmpdir() }).bootImage;
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ims-guest-sim-core-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips hostile parameters and two NICs exactly', async () => {
    const image = await builder.build(PARAMS);
    expect(readBootImage(image)).toEqual({
      version: '1',
      vmName: 'web-1',
      hostname: 'web-1.example',
      nics: PARAMS.nics,
      dns: PARAMS.dns,
      sshKeys: PARAMS.sshKeys,
      params: Object.fromEntries(HOSTILE.map((value, i) => [`P${i}`, value])),
    });
  });

  it('finds the four files under their Joliet names, bootparams.conf byte for byte', async () => {
    const files = readIsoFiles(await builder.build(PARAMS));
    expect([...files.keys()].sort()).toEqual(['bootparams.conf', 'meta-data', 'network-config', 'user-data']);
    expect(new TextDecoder().decode(files.get('bootparams.conf'))).toBe(builder.renderConf(PARAMS));
  });

  it('reads a minimal configuration from a file', async () => {
    const path = join(dir, 'minimal.iso');
    await writeFile(
      path,
      await builder.build({ vmName: 'a', hostname: 'a', nics: [], dns: [], sshKeys: [], params: {} }),
    );
    expect(await readBootImageFile(path)).toEqual({
      version: '1',
      vmName: 'a',
      hostname: 'a',
      nics: [],
      dns: [],
      sshKeys: [],
      params: {},
    });
  });
});
