import type { ImsError, ProviderManifest } from '@ims/spi';

/** Where a candidate package was found; earlier sources take precedence for the same provider id. */
export type PackageSource = 'plugin-path' | 'ims-home' | 'host';

/** A package whose manifest passed steps 2–4: valid, SPI-compatible, entry file present. */
export interface DiscoveredProvider {
  /** npm package name. */
  packageName: string;
  /** npm package version. */
  version: string;
  /** Absolute package directory. */
  dir: string;
  /** The validated manifest. */
  manifest: ProviderManifest;
  /** Where it was found. */
  source: PackageSource;
}

/** How `ims plugins` classifies a package. */
export type PluginStatus = 'ok' | 'incompatible' | 'invalid' | 'failed';

/** A package that carries an `ims` field but cannot be used. */
export interface PluginFailure {
  /** npm package name (or the directory name when package.json has none). */
  packageName: string;
  /** npm package version, when readable. */
  version: string | undefined;
  /** Absolute package directory. */
  dir: string;
  /** The provider id it claims, when readable. */
  provider: string | undefined;
  /** The SPI range it declares, when readable. */
  spi: string | undefined;
  /** Classification for listings. */
  status: Exclude<PluginStatus, 'ok'>;
  /** The coded error. */
  error: ImsError;
}

/** Step 8: the outcome of discovery. Failures never stop the others from loading. */
export interface DiscoveryResult {
  /** Usable providers, one per provider id. */
  loaded: DiscoveredProvider[];
  /** Packages that claim to be providers but cannot be used. */
  failures: PluginFailure[];
}
