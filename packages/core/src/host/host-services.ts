import { join } from 'node:path';
import type {
  ArchiveExtractor,
  BootImageBuilder,
  Clock,
  CommandRunner,
  Logger,
  ProgressReporter,
  ProviderContext,
  SshConnector,
} from '@ims/spi';
import { createBootImageBuilder } from '../services/boot-image/builder.js';
import { systemClock } from '../services/clock.js';
import { createLocalRunner } from '../services/local-runner.js';
import { createLogger } from '../services/logger.js';
import { silentProgress } from '../services/progress.js';

/** A logger that can make tagged children (the host's own logger). */
export type HostLogger = ReturnType<typeof createLogger>;

/** The host services every provider context is assembled from. */
export interface HostServices {
  /** Base logger; each configuration gets a child tagged `provider/config`. */
  logger: HostLogger;
  /** Local command runner. */
  localRunner: CommandRunner;
  /** SSH connector with host-key verification. */
  ssh: SshConnector;
  /** Safe archive extraction. */
  archives: ArchiveExtractor;
  /** Boot-parameter images. */
  bootImage: BootImageBuilder;
  /** Progress reporting. */
  progress: ProgressReporter;
  /** Time. */
  clock: Clock;
  /** Cancellation of the current command. */
  signal: AbortSignal;
  /** Cancellation of the clean-up after the command was cancelled (a second interruption, or its time is up). */
  cleanupSignal: AbortSignal;
}

/** Options of {@link defaultHostServices}. */
export interface DefaultServicesOptions {
  /** The IMS home: SSH host keys are verified against `<home>/known_hosts`. */
  home: string;
  /** Logger (default: warnings and errors to stderr). */
  logger?: HostLogger;
  /** Cancellation (default: never). */
  signal?: AbortSignal;
  /** Cancellation of clean-up (default: never). */
  cleanupSignal?: AbortSignal;
}

/**
 * The SSH connector, loading ssh2 (a large CommonJS module with a native binding) only when a
 * provider first connects: most commands never use SSH, and loading it costs ~20 ms of start-up.
 */
function lazySshConnector(knownHostsPath: string, logger: HostLogger): SshConnector {
  let connector: Promise<SshConnector> | undefined;
  return {
    connect: async (target, signal) => {
      connector ??= import('../services/ssh/connector.js').then((m) =>
        m.createSshConnector({ knownHostsPath, logger }),
      );
      return (await connector).connect(target, signal);
    },
  };
}

/** The archive extractor, loading tar-stream only when a template is imported. */
function lazyArchiveExtractor(): ArchiveExtractor {
  let extractor: Promise<ArchiveExtractor> | undefined;
  return {
    extract: async (archive, targetDir, options) => {
      extractor ??= import('../services/archive/extract.js').then((m) => m.createArchiveExtractor());
      return (await extractor).extract(archive, targetDir, options);
    },
  };
}

/** Where every SSH host key is verified and recorded: `IMS_HOME/known_hosts`. */
export function knownHostsFile(home: string): string {
  return join(home, 'known_hosts');
}

/** The real host services. */
export function defaultHostServices(options: DefaultServicesOptions): HostServices {
  const logger =
    options.logger ?? createLogger({ write: (l) => process.stderr.write(`${l}\n`), verbose: false });
  return {
    logger,
    localRunner: createLocalRunner(),
    ssh: lazySshConnector(knownHostsFile(options.home), logger),
    archives: lazyArchiveExtractor(),
    bootImage: createBootImageBuilder(),
    progress: silentProgress,
    clock: systemClock,
    signal: options.signal ?? new AbortController().signal,
    cleanupSignal: options.cleanupSignal ?? new AbortController().signal,
  };
}

/** The context of one configuration, made of host services. */
export function assembleContext(
  configName: string,
  dataDir: string,
  services: Omit<HostServices, 'logger'> & { logger: Logger },
): ProviderContext {
  return {
    configName,
    dataDir,
    logger: services.logger,
    localRunner: services.localRunner,
    ssh: services.ssh,
    archives: services.archives,
    bootImage: services.bootImage,
    progress: services.progress,
    signal: services.signal,
    cleanupSignal: services.cleanupSignal,
    clock: services.clock,
  };
}

/**
 * A provider context with the real host services, outside any host: for a provider's own tests
 * (with the conformance kit) and for embedding a provider in another program.
 */
export function createProviderContext(
  options: DefaultServicesOptions & { configName: string; dataDir: string },
): ProviderContext {
  const services = defaultHostServices(options);
  return assembleContext(options.configName, options.dataDir, {
    ...services,
    logger: services.logger.child(options.configName),
  });
}
