/**
 * Injection tokens for the services in a {@link ProviderContext}. The host's container resolves
 * them; a provider receives the resolved services in its context and never sees the container.
 */
export const TOKENS = {
  /** {@link Logger} */
  Logger: Symbol.for('ims.token.Logger'),
  /** {@link CommandRunner} on the IMS host */
  LocalRunner: Symbol.for('ims.token.LocalRunner'),
  /** {@link SshConnector} */
  Ssh: Symbol.for('ims.token.Ssh'),
  /** {@link ArchiveExtractor} */
  Archives: Symbol.for('ims.token.Archives'),
  /** {@link BootImageBuilder} */
  BootImage: Symbol.for('ims.token.BootImage'),
  /** {@link ProgressReporter} */
  Progress: Symbol.for('ims.token.Progress'),
  /** {@link Clock} */
  Clock: Symbol.for('ims.token.Clock'),
  /** The `AbortSignal` of the current operation */
  Signal: Symbol.for('ims.token.Signal'),
  /** The `AbortSignal` of clean-up after the current operation was cancelled (SPI 1.3) */
  CleanupSignal: Symbol.for('ims.token.CleanupSignal'),
  /** {@link ProviderContext} of one configuration */
  ProviderContext: Symbol.for('ims.token.ProviderContext'),
  /** The {@link Provider} instance of one configuration */
  Provider: Symbol.for('ims.token.Provider'),
} as const;
