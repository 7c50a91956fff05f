import {
  guestConfigFromConf,
  parseBootparamsConf,
  readBootImageFile,
  type SimulatedGuestNic,
} from '@ims/ovm-templates/guest-sim';
import { msToNs } from './context.js';
import type { GuestNicPlan, SimNic, SimVm } from './state/types.js';

/** The guest property the provider sets with the whole bootparams.conf in base64 (guests without the ISO). */
export const BOOTPARAMS_PROPERTY = '/IMS/bootparams/conf';

/** Upper-case hex without separators, the way VirtualBox writes MAC addresses. */
export function normalizeMac(mac: string): string {
  return mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
}

/** The boot ISO the guest reads: the DVD at IDE port 1, device 0. */
function bootImagePath(vm: SimVm): string | null {
  const ide = vm.controllers.find((c) => c.bus === 'ide');
  const dvd = vm.attachments.find(
    (a) => a.controller === ide?.name && a.port === 1 && a.device === 0 && a.type === 'dvddrive',
  );
  return dvd?.medium ?? null;
}

/** What the guest finds at boot: the ISO first, then the guest property; null when neither parses. */
async function readBootConfig(vm: SimVm): Promise<SimulatedGuestNic[] | null> {
  const iso = bootImagePath(vm);
  if (iso) {
    try {
      return (await readBootImageFile(iso)).nics;
    } catch {
      // modelled: an unreadable/foreign ISO is ignored by the guest, which falls back to the property
    }
  }
  const encoded = vm.guestProperties[BOOTPARAMS_PROPERTY]?.value;
  if (encoded !== undefined) {
    try {
      // modelled: an IMS-aware guest decodes the property (base64 of bootparams.conf, the
      // provider's README) and checks it like the file on the ISO
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw new Error('not base64');
      const conf = Buffer.from(encoded, 'base64').toString('utf8');
      return guestConfigFromConf(parseBootparamsConf(conf)).nics;
    } catch {
      // modelled: a malformed conf is refused by the guest scripts; the guest stays on defaults
    }
  }
  return null;
}

/** The address a DHCP NIC gets from what it is attached to; null when nothing answers DHCP. */
function dhcpAddress(nic: SimNic, slot: number): { ip: string; prefix: number } | null {
  // modelled: VirtualBox's NAT gives adapter N the network 10.0.(N+1).0/24 with the guest at .15
  switch (nic.attachment) {
    case 'nat':
      return { ip: `10.0.${slot + 2}.15`, prefix: 24 };
    case 'natnetwork':
      return { ip: `10.0.2.${4 + slot}`, prefix: 24 };
    case 'hostonly':
      return { ip: `192.168.56.${101 + slot}`, prefix: 24 };
    case 'bridged':
      return { ip: `192.168.1.${101 + slot}`, prefix: 24 };
    default:
      return null;
  }
}

/**
 * Decides at start what the guest will configure: NICs named in the boot parameters (matched by
 * MAC) get their static address or a DHCP lease; other NICs stay down. Without any boot
 * configuration every NIC tries DHCP. Result in slot order.
 */
export async function planGuestNetwork(vm: SimVm): Promise<GuestNicPlan[]> {
  const config = await readBootConfig(vm);
  const plan: GuestNicPlan[] = [];
  vm.nics.forEach((nic, slot) => {
    if (nic.attachment === 'none') return;
    const wanted = config ? config.find((c) => normalizeMac(c.mac) === nic.mac) : undefined;
    // modelled: the IMS boot script configures only NICs the parameters name (docs/boot-parameters.md)
    if (config && !wanted) return;
    const address =
      wanted && wanted.address !== 'dhcp'
        ? { ip: wanted.address.address, prefix: wanted.address.prefix }
        : dhcpAddress(nic, slot);
    if (address) plan.push({ mac: nic.mac, ...address });
  });
  return plan;
}

function netmask(prefix: number): string {
  const bits = prefix <= 0 ? 0 : (0xffffffff << (32 - Math.min(prefix, 32))) >>> 0;
  return [24, 16, 8, 0].map((shift) => (bits >>> shift) & 0xff).join('.');
}

function broadcast(ip: string, prefix: number): string {
  const mask = netmask(prefix).split('.').map(Number);
  return ip
    .split('.')
    .map((octet, i) => (Number(octet) | (~(mask[i] ?? 0) & 0xff)) & 0xff)
    .join('.');
}

/**
 * Publishes what Guest Additions would write once the guest is up, stamped with the moment of boot.
 * The guest's interface order is the reverse of the slot order when there is more than one NIC.
 */
export function publishGuestNetwork(vm: SimVm, atMs: number): void {
  const timestamp = msToNs(atMs);
  const set = (name: string, value: string) => {
    vm.guestProperties[name] = { value, timestamp, flags: '' };
  };
  // modelled: interface index != slot (notes: reverse of slot order) — the "match by MAC" trap
  const interfaces = [...(vm.guestPlan ?? [])].reverse();
  for (const name of Object.keys(vm.guestProperties)) {
    const index = /^\/VirtualBox\/GuestInfo\/Net\/(\d+)\//.exec(name)?.[1];
    if (index !== undefined && Number(index) >= interfaces.length) delete vm.guestProperties[name];
  }
  // modelled: a few OS facts Guest Additions publish alongside the network
  set('/VirtualBox/GuestInfo/OS/Product', 'Linux');
  set('/VirtualBox/GuestInfo/OS/Release', '6.1.0-ims-sim');
  // confirmed: reference "Guest IP and boot parameters" (Count, MAC, V4/IP, Status keys)
  set('/VirtualBox/GuestInfo/Net/Count', String(interfaces.length));
  interfaces.forEach((nic, i) => {
    set(`/VirtualBox/GuestInfo/Net/${i}/MAC`, nic.mac);
    set(`/VirtualBox/GuestInfo/Net/${i}/V4/IP`, nic.ip);
    set(`/VirtualBox/GuestInfo/Net/${i}/V4/Broadcast`, broadcast(nic.ip, nic.prefix));
    set(`/VirtualBox/GuestInfo/Net/${i}/V4/Netmask`, netmask(nic.prefix));
    set(`/VirtualBox/GuestInfo/Net/${i}/Status`, 'Up');
  });
}
