import { isIP } from 'node:net';

/** One NIC as the simulated guest would configure it. */
export interface SimulatedGuestNic {
  /** The MAC the guest matches its interface by (lower case). */
  mac: string;
  /** DHCP, or a static address with its prefix length. */
  address: 'dhcp' | { address: string; prefix: number };
  /** Default gateway through this NIC, when set. */
  gateway?: string;
}

/** What a guest configures itself with after reading its boot image. */
export interface SimulatedGuestConfig {
  /** IMS_BOOTPARAMS_VERSION. */
  version: string;
  /** IMS_VM_NAME. */
  vmName: string;
  /** IMS_HOSTNAME. */
  hostname: string;
  /** The NICs, in IMS_NETi order. */
  nics: SimulatedGuestNic[];
  /** Name servers from IMS_DNS. */
  dns: string[];
  /** SSH public keys, IMS_SSH_KEY_1 first. */
  sshKeys: string[];
  /** User parameters: IMS_PARAM_* keys without the prefix, as in the file. */
  params: Record<string, string>;
}

const KNOWN_VERSION = '1';
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const PARAM_PREFIX = 'IMS_PARAM_';

/** Reads keys, remembering which were used so that stray ones can be refused. */
class ConfReader {
  private readonly used = new Set<string>();
  constructor(private readonly conf: Record<string, string>) {}

  optional(key: string): string | undefined {
    this.used.add(key);
    return Object.hasOwn(this.conf, key) ? this.conf[key] : undefined;
  }

  required(key: string): string {
    const value = this.optional(key);
    if (value === undefined) throw new Error(`bootparams.conf: required key ${key} is missing`);
    return value;
  }

  count(key: string): number {
    const value = this.required(key);
    if (!/^[0-9]{1,4}$/.test(value)) throw new Error(`bootparams.conf: ${key} is not a count`);
    return Number(value);
  }

  unused(): string[] {
    return Object.keys(this.conf).filter((key) => !this.used.has(key) && !key.startsWith(PARAM_PREFIX));
  }
}

function nicAddress(value: string, key: string): SimulatedGuestNic['address'] {
  if (value === 'dhcp') return 'dhcp';
  const slash = value.lastIndexOf('/');
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  const family = isIP(address);
  if (
    slash < 0 ||
    family === 0 ||
    !/^[0-9]{1,3}$/.test(prefix) ||
    Number(prefix) > (family === 4 ? 32 : 128)
  ) {
    throw new Error(`bootparams.conf: ${key} is neither dhcp nor ADDRESS/PREFIX`);
  }
  return { address, prefix: Number(prefix) };
}

function readNic(reader: ConfReader, index: number): SimulatedGuestNic {
  const mac = reader.required(`IMS_NET${index}_MAC`);
  if (!MAC.test(mac)) throw new Error(`bootparams.conf: IMS_NET${index}_MAC is not a lower-case MAC address`);
  const nic: SimulatedGuestNic = {
    mac,
    address: nicAddress(reader.required(`IMS_NET${index}_ADDRESS`), `IMS_NET${index}_ADDRESS`),
  };
  const gateway = reader.optional(`IMS_NET${index}_GATEWAY`);
  if (gateway !== undefined) {
    if (isIP(gateway) === 0) throw new Error(`bootparams.conf: IMS_NET${index}_GATEWAY is not an IP address`);
    nic.gateway = gateway;
  }
  return nic;
}

/** Interprets parsed bootparams.conf entries as a guest would; refuses unknown versions, missing or stray keys. */
export function guestConfigFromConf(conf: Record<string, string>): SimulatedGuestConfig {
  const reader = new ConfReader(conf);
  const version = reader.required('IMS_BOOTPARAMS_VERSION');
  if (version !== KNOWN_VERSION) {
    throw new Error(
      `bootparams.conf: IMS_BOOTPARAMS_VERSION is not ${KNOWN_VERSION}, the only version this guest understands`,
    );
  }
  const vmName = reader.required('IMS_VM_NAME');
  const hostname = reader.required('IMS_HOSTNAME');
  const nics = Array.from({ length: reader.count('IMS_NET_COUNT') }, (_, i) => readNic(reader, i));
  const dns = (reader.optional('IMS_DNS') ?? '').split(' ').filter((server) => server !== '');
  const sshKeys = Array.from({ length: reader.count('IMS_SSH_KEY_COUNT') }, (_, i) =>
    reader.required(`IMS_SSH_KEY_${i + 1}`),
  );
  const stray = reader.unused();
  if (stray.length > 0) throw new Error(`bootparams.conf: unexpected keys ${stray.join(', ')}`);
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(conf)) {
    if (key.startsWith(PARAM_PREFIX)) params[key.slice(PARAM_PREFIX.length)] = value;
  }
  return { version, vmName, hostname, nics, dns, sshKeys, params };
}
