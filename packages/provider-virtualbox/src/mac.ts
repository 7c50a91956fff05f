/** MAC addresses: IMS writes `08:00:27:aa:bb:cc`, VBoxManage wants `080027AABBCC`. */
import { randomBytes } from 'node:crypto';
import { ImsError } from '@ims/spi';

/** VirtualBox's own prefix (Oracle / Cadmus Computer Systems), which it uses for the MACs it makes. */
export const VIRTUALBOX_MAC_PREFIX = '08:00:27';

/** A random MAC with VirtualBox's prefix. */
export function generateMac(): string {
  const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'));
  return [VIRTUALBOX_MAC_PREFIX, ...tail].join(':');
}

/** A MAC as IMS writes it (lower case, colons); `IMS_INVALID_ARGUMENT` for anything that is not a unicast MAC. */
export function normalizeMac(mac: string): string {
  const hex = mac.replace(/[:-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex) || !/^([0-9a-f]{2}[:-]?){5}[0-9a-f]{2}$/i.test(mac)) {
    throw new ImsError('IMS_INVALID_ARGUMENT', `Invalid MAC address ${JSON.stringify(mac)}.`, {
      hint: 'Write it as six hex pairs, e.g. 08:00:27:12:34:56.',
    });
  }
  if ((Number.parseInt(hex.slice(0, 2), 16) & 1) === 1) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `MAC address ${mac} is a multicast address; a NIC needs a unicast one.`,
      {
        hint: 'Use an even first byte, e.g. 08:00:27:12:34:56.',
      },
    );
  }
  return hex.match(/../g)!.join(':');
}

/** `08:00:27:aa:bb:cc` → `080027AABBCC`, as `modifyvm --macaddressN` takes it. */
export function macForVBox(mac: string): string {
  return normalizeMac(mac).replaceAll(':', '').toUpperCase();
}
