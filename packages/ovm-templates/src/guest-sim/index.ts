/**
 * The simulated guest's side of IMS boot parameters: reads the `cidata` image a provider attached
 * the way a real guest would, independently of core's writer. Used by the hypervisor simulators.
 */
import { readFile } from 'node:fs/promises';
import { parseBootparamsConf } from './bootparams-conf.js';
import type { SimulatedGuestConfig } from './guest-config.js';
import { guestConfigFromConf } from './guest-config.js';
import { readIsoFiles } from './iso9660.js';

export { BOOTPARAMS_MAX_BYTES, parseBootparamsConf } from './bootparams-conf.js';
export type { SimulatedGuestConfig, SimulatedGuestNic } from './guest-config.js';
export { guestConfigFromConf } from './guest-config.js';
export { readIsoFiles } from './iso9660.js';

const CONF_NAME = 'bootparams.conf';

/** Reads the guest configuration from a boot image: its `bootparams.conf`, found case-insensitively. */
export function readBootImage(image: Uint8Array): SimulatedGuestConfig {
  const matches = [...readIsoFiles(image)].filter(([name]) => name.toLowerCase() === CONF_NAME);
  const [match] = matches;
  if (match === undefined) throw new Error(`the boot image has no ${CONF_NAME} in its root directory`);
  if (matches.length > 1)
    throw new Error(`the boot image has ${matches.length} files named ${CONF_NAME} in different cases`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(match[1]);
  } catch {
    throw new Error(`${CONF_NAME} in the boot image is not valid UTF-8`);
  }
  return guestConfigFromConf(parseBootparamsConf(text));
}

/** Reads the guest configuration from a boot image file. */
export async function readBootImageFile(path: string): Promise<SimulatedGuestConfig> {
  return readBootImage(await readFile(path));
}
