import { randomBytes } from 'node:crypto';
import { ImsError } from '@ims/spi';

/** The MAC prefix IMS gives libvirt NICs: QEMU/KVM's own locally administered range. */
export const LIBVIRT_MAC_PREFIX = '52:54:00';

/** A source of random bytes, `crypto.randomBytes` by default (replaceable in tests). */
export type RandomBytes = (size: number) => Uint8Array;

/** A new random MAC address in {@link LIBVIRT_MAC_PREFIX}, lower-case, colon-separated. */
export function generateMac(random: RandomBytes = randomBytes): string {
  const bytes = random(3);
  if (bytes.length < 3) {
    throw new ImsError(
      'IMS_INTERNAL',
      `The random source returned ${bytes.length} bytes for a MAC address; 3 are needed.`,
    );
  }
  const tail = Array.from(bytes.subarray(0, 3), (byte) => byte.toString(16).padStart(2, '0'));
  return [LIBVIRT_MAC_PREFIX, ...tail].join(':');
}

const SEPARATED = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;
const BARE = /^[0-9a-f]{12}$/i;

/**
 * The canonical form of a MAC address (`52:54:00:ab:cd:ef`): accepts `:` or `-` separators or none,
 * any case; anything else fails with `IMS_INVALID_ARGUMENT`.
 */
export function normalizeMac(mac: string): string {
  const trimmed = mac.trim();
  let hex: string;
  if (SEPARATED.test(trimmed)) hex = trimmed.replace(/[:-]/g, '');
  else if (BARE.test(trimmed)) hex = trimmed;
  else {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `Invalid MAC address ${JSON.stringify(mac)}: expected six hex pairs.`,
      {
        hint: 'Write MAC addresses like 52:54:00:12:34:56.',
        details: { mac },
      },
    );
  }
  return hex.toLowerCase().match(/../g)!.join(':');
}

/** True when the MAC (canonical form) is a multicast address, which no NIC may have. */
export function isMulticastMac(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1;
}
