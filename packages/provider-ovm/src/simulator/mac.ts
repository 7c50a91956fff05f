/** Random Xen MAC addresses. */
import { randomBytes } from 'node:crypto';

/** A random MAC with Xen's prefix `00:16:3e`, lower case. */
export function randomXenMac(): string {
  // confirmed: reference "Xen's MAC prefix is 00:16:3e"; modelled: the 4th byte below 0x80 as xend does
  const bytes = randomBytes(3);
  const tail = [(bytes[0] ?? 0) & 0x7f, bytes[1] ?? 0, bytes[2] ?? 0];
  return ['00', '16', '3e', ...tail.map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
