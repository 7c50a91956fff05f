export type { BootParamsEntry } from './bootparams-conf.js';
export {
  BOOTPARAMS_CONF_MAX_BYTES,
  BOOTPARAMS_FORMAT_VERSION,
  bootParamsEntries,
  PARAM_KEY_PREFIX,
  paramKey,
  parseBootParamsConf,
  renderBootParamsConf,
  shellQuote,
} from './bootparams-conf.js';
export { BOOTPARAMS_PARAM_NAME_MAX, validateBootParams } from './bootparams-validate.js';
export {
  BOOT_IMAGE_MAX_BYTES,
  BOOT_IMAGE_VOLUME_ID,
  bootImageFiles,
  buildBootImage,
  createBootImageBuilder,
} from './builder.js';
export {
  cloudInitMetaData,
  cloudInitNetworkConfig,
  cloudInitUserData,
  GUEST_BOOTPARAMS_PATH,
  instanceId,
} from './cloud-init.js';
export type { IsoFile, IsoSpec } from './iso9660.js';
export { buildIso, ISO_FIXED_TIMESTAMP } from './iso9660.js';
