import { randomBytes } from 'node:crypto';
import { ImsError } from '@ims/spi';

/** Xen's MAC prefix (the XenSource OUI), which Oracle VM uses for VM NICs. */
export const XEN_MAC_PREFIX = '00:16:3e';

/** A source of random bytes, `crypto.randomBytes` by default (replaceable in tests). */
export type RandomBytes = (size: number) => Uint8Array;

/**
 * A new random MAC in {@link XEN_MAC_PREFIX}, lower-case. The fourth byte stays below 0x80: Xen
 * leaves the upper half of its range for static assignment.
 */
export function generateXenMac(random: RandomBytes = randomBytes): string {
  const bytes = random(3);
  if (bytes.length < 3) {
    throw new ImsError(
      'IMS_INTERNAL',
      `The random source returned ${bytes.length} bytes for a MAC address; 3 are needed.`,
    );
  }
  const tail = [(bytes[0] as number) & 0x7f, bytes[1] as number, bytes[2] as number];
  return [XEN_MAC_PREFIX, ...tail.map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

const SEPARATED = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;
const BARE = /^[0-9a-f]{12}$/i;

/**
 * The canonical form of a MAC address (`00:16:3e:ab:cd:ef`): `:` or `-` separators or none, any
 * case. Malformed and multicast addresses fail with `IMS_INVALID_ARGUMENT`.
 */
export function normalizeMac(mac: string): string {
  const trimmed = mac.trim();
  if (!SEPARATED.test(trimmed) && !BARE.test(trimmed)) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `Invalid MAC address ${JSON.stringify(mac)}: expected six hex pairs.`,
      {
        hint: 'Write MAC addresses like 00:16:3e:12:34:56.',
        details: { mac },
      },
    );
  }
  const canonical = (trimmed.replace(/[:-]/g, '').toLowerCase().match(/../g) as string[]).join(':');
  if ((Number.parseInt(canonical.slice(0, 2), 16) & 1) === 1) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `MAC address ${canonical} is a multicast address, which no NIC may have.`,
      {
        hint: 'Use a unicast address, e.g. one starting with 00:16:3e.',
        details: { mac },
      },
    );
  }
  return canonical;
}
