/** What the guest receives at boot (see `docs/boot-parameters.md`). */
export interface BootParams {
  /** The VM's name in IMS. */
  vmName: string;
  /** The hostname the guest sets. */
  hostname: string;
  /** One entry per NIC, in slot order. */
  nics: BootNic[];
  /** DNS servers, in order of preference. */
  dns: string[];
  /** SSH public keys to authorize (OpenSSH one-line format). */
  sshKeys: string[];
  /** User parameters (`--param key=value`), by their original names. */
  params: Record<string, string>;
}

/** The network settings of one NIC as delivered to the guest. */
export interface BootNic {
  /** MAC address, lower-case, colon-separated; the guest matches its NIC by it. */
  mac: string;
  /** A static address, or DHCP. */
  address: StaticAddress | 'dhcp';
  /** Default gateway through this NIC, if any. */
  gateway?: string;
}

/** A static IPv4 or IPv6 address with its prefix length. */
export interface StaticAddress {
  /** The address, e.g. `10.0.2.15`. */
  address: string;
  /** The prefix length, e.g. `24`. */
  prefix: number;
}
