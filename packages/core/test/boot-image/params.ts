import type { BootParams } from '@ims/spi';

/** The example of the contract: one static NIC with gateway, two DNS servers, two keys, one user parameter. */
export function exampleParams(overrides: Partial<BootParams> = {}): BootParams {
  return {
    vmName: 'web-1',
    hostname: 'web-1',
    nics: [{ mac: '52:54:00:12:34:56', address: { address: '10.0.2.15', prefix: 24 }, gateway: '10.0.2.2' }],
    dns: ['10.0.2.3', '10.0.2.4'],
    sshKeys: [
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey1 admin@ims',
      'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQKey2 ops',
    ],
    params: { 'das.host': 'admin.example' },
    ...overrides,
  };
}
