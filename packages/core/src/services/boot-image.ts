import { type BootImageBuilder, ImsError } from '@ims/spi';

const notYet = () =>
  new ImsError(
    'IMS_OPERATION_UNSUPPORTED',
    'Building boot-parameter images is not available in this version of IMS yet.',
    {
      hint: 'Upgrade @ims/core to a version with boot-parameter images (docs/boot-parameters.md).',
    },
  );

/** The boot-image service until the ISO writer lands: every call fails plainly, nothing is faked. */
export const unavailableBootImage: BootImageBuilder = {
  renderConf() {
    throw notYet();
  },
  build: () => Promise.reject(notYet()),
};
