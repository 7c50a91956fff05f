/** The version of this service provider interface. Providers declare a semver range that must include it. */
export const SPI_VERSION = '1.3.0';
