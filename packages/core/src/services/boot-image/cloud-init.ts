import type { BootParams } from '@ims/spi';
import { renderBootParamsConf } from './bootparams-conf.js';
import { validateBootParams } from './bootparams-validate.js';
import { yamlQuoted } from './yaml-scalar.js';

/** Where cloud-init writes `bootparams.conf` in the guest. */
export const GUEST_BOOTPARAMS_PATH = '/etc/ims/bootparams.conf';

/** The cloud-init instance id of a VM: stable across rebuilds of its image, so per-instance modules run once. */
export function instanceId(vmName: string): string {
  return `ims-${vmName}`;
}

/** The NoCloud `meta-data` document: instance id and local host name. */
export function cloudInitMetaData(params: BootParams): string {
  const valid = validateBootParams(params);
  return lines([
    `instance-id: ${yamlQuoted(instanceId(valid.vmName))}`,
    `local-hostname: ${yamlQuoted(valid.hostname)}`,
  ]);
}

/**
 * The `user-data` document: `#cloud-config` with the host name, the SSH keys, and `bootparams.conf`
 * written to {@link GUEST_BOOTPARAMS_PATH} (mode 0600) from base64, so no user text needs YAML quoting there.
 */
export function cloudInitUserData(params: BootParams): string {
  const valid = validateBootParams(params);
  const conf = Buffer.from(renderBootParamsConf(valid), 'utf8').toString('base64');
  return lines([
    '#cloud-config',
    `hostname: ${yamlQuoted(valid.hostname)}`,
    ...listOf('ssh_authorized_keys', valid.sshKeys.map(yamlQuoted), ''),
    'write_files:',
    `  - path: ${yamlQuoted(GUEST_BOOTPARAMS_PATH)}`,
    `    owner: ${yamlQuoted('root:root')}`,
    `    permissions: ${yamlQuoted('0600')}`,
    `    encoding: ${yamlQuoted('b64')}`,
    `    content: ${yamlQuoted(conf)}`,
  ]);
}

/**
 * The `network-config` document (version 2): one ethernet `nicN` per NIC, matched by MAC, with DHCPv4 or
 * its static address, a default route through its gateway, and the DNS servers.
 */
export function cloudInitNetworkConfig(params: BootParams): string {
  const valid = validateBootParams(params);
  const ethernets = valid.nics.flatMap((nic, index) => [
    `  nic${index}:`,
    '    match:',
    `      macaddress: ${yamlQuoted(nic.mac)}`,
    ...(nic.address === 'dhcp'
      ? ['    dhcp4: true']
      : listOf('addresses', [yamlQuoted(`${nic.address.address}/${nic.address.prefix}`)], '    ')),
    ...(nic.gateway === undefined
      ? []
      : ['    routes:', `      - to: ${yamlQuoted('default')}`, `        via: ${yamlQuoted(nic.gateway)}`]),
    ...(valid.dns.length === 0
      ? []
      : ['    nameservers:', ...listOf('addresses', valid.dns.map(yamlQuoted), '      ')]),
  ]);
  return lines(['version: 2', ethernets.length === 0 ? 'ethernets: {}' : 'ethernets:', ...ethernets]);
}

/** A block sequence under `key` at `indent`, or an empty flow sequence. */
function listOf(key: string, items: readonly string[], indent: string): string[] {
  if (items.length === 0) return [`${indent}${key}: []`];
  return [`${indent}${key}:`, ...items.map((item) => `${indent}  - ${item}`)];
}

function lines(all: readonly string[]): string {
  return all.map((line) => `${line}\n`).join('');
}
