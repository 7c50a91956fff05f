import type { BootParams } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { exampleParams } from '../../../test/boot-image/params.js';
import { thrownImsError } from '../../../test/boot-image/tools.js';
import { loadWithPyYaml } from '../../../test/boot-image/yaml.js';
import { renderBootParamsConf } from './bootparams-conf.js';
import { cloudInitMetaData, cloudInitNetworkConfig, cloudInitUserData, instanceId } from './cloud-init.js';

const HOSTILE_VM_NAME = 'vm "quoted" \\ \'single\'\n#x: y\u2028\u0085\u0001 - [a] {b} &c *d !e 🚀 עברית';
const HOSTILE_KEYS = [
  'ssh-ed25519 AAAAC3Nz "comment with quotes" \\ back#slash: colon - dash',
  "ssh-rsa AAAAB3 it's &anchor *alias !tag %x @y `z` {a: b} [c] 🚀 עברית\u00a0",
  '- leading dash',
];

function hostileParams(overrides: Partial<BootParams> = {}): BootParams {
  return exampleParams({ vmName: HOSTILE_VM_NAME, sshKeys: HOSTILE_KEYS, ...overrides });
}

describe('cloud-init documents read by PyYAML (what cloud-init uses)', () => {
  it('meta-data carries a stable instance id from the VM name and the host name', async () => {
    const [loaded] = await loadWithPyYaml([cloudInitMetaData(hostileParams())]);
    expect(loaded).toEqual({ 'instance-id': `ims-${HOSTILE_VM_NAME}`, 'local-hostname': 'web-1' });
    expect(instanceId('web-1')).toBe('ims-web-1');
    expect(cloudInitMetaData(exampleParams({ dns: [] }))).toBe(cloudInitMetaData(exampleParams()));
  });

  it('user-data is #cloud-config with host name, keys and bootparams.conf written from base64', async () => {
    const params = hostileParams({ params: { 'das.host': "admin'\n$(x)", empty: '' } });
    const text = cloudInitUserData(params);
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const [loaded] = (await loadWithPyYaml([text])) as [Record<string, unknown>];
    expect(loaded).toEqual({
      hostname: 'web-1',
      ssh_authorized_keys: HOSTILE_KEYS,
      write_files: [
        {
          path: '/etc/ims/bootparams.conf',
          owner: 'root:root',
          permissions: '0600',
          encoding: 'b64',
          content: expect.any(String),
        },
      ],
    });
    const [file] = loaded.write_files as Array<{ content: string }>;
    expect(Buffer.from(file!.content, 'base64').toString('utf8')).toBe(renderBootParamsConf(params));
  });

  it('user-data with no keys has an empty key list', async () => {
    const [loaded] = (await loadWithPyYaml([cloudInitUserData(exampleParams({ sshKeys: [] }))])) as [
      Record<string, unknown>,
    ];
    expect(loaded.ssh_authorized_keys).toEqual([]);
  });

  it('network-config version 2 matches each NIC by MAC, with static address or DHCP, gateway and DNS', async () => {
    const params = exampleParams({
      nics: [
        { mac: '52:54:00:AA:00:01', address: { address: '10.0.2.15', prefix: 24 }, gateway: '10.0.2.2' },
        { mac: '52:54:00:aa:00:02', address: 'dhcp' },
        { mac: '52:54:00:aa:00:03', address: { address: 'fd00::15', prefix: 64 }, gateway: 'fd00::1' },
      ],
      dns: ['10.0.2.3', 'fd00::53'],
    });
    const [loaded] = await loadWithPyYaml([cloudInitNetworkConfig(params)]);
    const nameservers = { addresses: ['10.0.2.3', 'fd00::53'] };
    expect(loaded).toEqual({
      version: 2,
      ethernets: {
        nic0: {
          match: { macaddress: '52:54:00:aa:00:01' },
          addresses: ['10.0.2.15/24'],
          routes: [{ to: 'default', via: '10.0.2.2' }],
          nameservers,
        },
        nic1: { match: { macaddress: '52:54:00:aa:00:02' }, dhcp4: true, nameservers },
        nic2: {
          match: { macaddress: '52:54:00:aa:00:03' },
          addresses: ['fd00::15/64'],
          routes: [{ to: 'default', via: 'fd00::1' }],
          nameservers,
        },
      },
    });
    expect(cloudInitNetworkConfig(params)).not.toContain('set-name');
  });

  it('network-config without NICs or DNS stays valid', async () => {
    const [none, noDns] = await loadWithPyYaml([
      cloudInitNetworkConfig(exampleParams({ nics: [] })),
      cloudInitNetworkConfig(exampleParams({ dns: [] })),
    ]);
    expect(none).toEqual({ version: 2, ethernets: {} });
    expect((noDns as { ethernets: { nic0: Record<string, unknown> } }).ethernets.nic0).not.toHaveProperty(
      'nameservers',
    );
  });

  it('refuses invalid parameters like the conf does', () => {
    for (const render of [cloudInitMetaData, cloudInitUserData, cloudInitNetworkConfig]) {
      expect(thrownImsError(() => render(exampleParams({ hostname: 'bad_host' }))).code).toBe(
        'IMS_BOOTPARAMS_INVALID',
      );
    }
  });
});
