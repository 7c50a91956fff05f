import type { BootImageBuilder, BootParams } from '@ims/spi';
import { BOOTPARAMS_CONF_MAX_BYTES, renderBootParamsConf } from './bootparams-conf.js';
import { refusedBootParams } from './bootparams-validate.js';
import { cloudInitMetaData, cloudInitNetworkConfig, cloudInitUserData } from './cloud-init.js';
import { buildIso, type IsoFile } from './iso9660.js';

export { BOOTPARAMS_CONF_MAX_BYTES };

/** The volume label cloud-init's NoCloud source and the guest scripts look for. */
export const BOOT_IMAGE_VOLUME_ID = 'cidata';

/** The largest boot image, in bytes; the 64 KiB `bootparams.conf` limit keeps real sets far below it. */
export const BOOT_IMAGE_MAX_BYTES = 512 * 1024;

/** The four files of the boot image, in the fixed order their data is written. */
export function bootImageFiles(params: BootParams): IsoFile[] {
  const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
  return [
    { name: 'meta-data', data: utf8(cloudInitMetaData(params)) },
    { name: 'user-data', data: utf8(cloudInitUserData(params)) },
    { name: 'network-config', data: utf8(cloudInitNetworkConfig(params)) },
    { name: 'bootparams.conf', data: utf8(renderBootParamsConf(params)) },
  ];
}

/**
 * The smallest image, in 2048-byte sectors (128 KiB): busybox's `findfs`/volume_id ignore devices
 * smaller than about 68 KiB, so a smaller image would never be found by label in busybox guests.
 */
export const BOOT_IMAGE_MIN_SECTORS = 64;

/** The ISO 9660 + Joliet image (label `cidata`) holding {@link bootImageFiles}; byte-identical for the same params. */
export function buildBootImage(params: BootParams): Uint8Array {
  const image = buildIso({
    volumeId: BOOT_IMAGE_VOLUME_ID,
    files: bootImageFiles(params),
    minSectors: BOOT_IMAGE_MIN_SECTORS,
  });
  if (image.length > BOOT_IMAGE_MAX_BYTES) {
    throw refusedBootParams(
      `the boot image would be ${image.length} bytes, ${image.length - BOOT_IMAGE_MAX_BYTES} over the limit of ${BOOT_IMAGE_MAX_BYTES} bytes (512 KiB)`,
      'Pass fewer NICs, DNS servers or SSH keys: the DNS servers are repeated for every NIC in network-config.',
      { size: image.length, limit: BOOT_IMAGE_MAX_BYTES },
    );
  }
  return image;
}

/** The host's {@link BootImageBuilder}: pure TypeScript, no external tool. */
export function createBootImageBuilder(): BootImageBuilder {
  return {
    renderConf: (params) => renderBootParamsConf(params),
    build: async (params) => buildBootImage(params),
  };
}
