import { isSeven, type SimVersion } from './versions.js';

// modelled: a handful of guest OS types and their descriptions (showvminfo's "ostype" key)
const OS_TYPES: Record<string, [classic: string, seven: string]> = {
  Other: ['Other/Unknown', 'Other/Unknown'],
  Other_64: ['Other/Unknown (64-bit)', 'Other/Unknown (64-bit)'],
  Linux26: ['Linux 2.6 / 3.x / 4.x (32-bit)', 'Linux 2.6 / 3.x / 4.x / 5.x (32-bit)'],
  Linux26_64: ['Linux 2.6 / 3.x / 4.x (64-bit)', 'Linux 2.6 / 3.x / 4.x / 5.x (64-bit)'],
  Linux_64: ['Other Linux (64-bit)', 'Other Linux (64-bit)'],
  Debian_64: ['Debian (64-bit)', 'Debian (64-bit)'],
  Ubuntu_64: ['Ubuntu (64-bit)', 'Ubuntu (64-bit)'],
  Oracle_64: ['Oracle (64-bit)', 'Oracle Linux (64-bit)'],
  RedHat_64: ['Red Hat (64-bit)', 'Red Hat (64-bit)'],
};

/** The canonical id of a known OS type (ids are case-insensitive), or undefined. */
export function canonicalOsType(id: string): string | undefined {
  return Object.keys(OS_TYPES).find((known) => known.toLowerCase() === id.toLowerCase());
}

/** The description showvminfo prints for an OS type id. */
export function osTypeDescription(id: string, version: SimVersion): string {
  const entry = OS_TYPES[id];
  if (!entry) return id;
  return isSeven(version) ? entry[1] : entry[0];
}
