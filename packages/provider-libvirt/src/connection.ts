/**
 * The provider's one libvirt connection: opened on first use, over the local socket or an SSH
 * session, and opened again once when it turns out to be lost (libvirtd restarted, SSH dropped).
 */
import { ImsError, isImsError, type ProviderContext, type SshSession, type SshTarget } from '@ims/spi';
import type { LibvirtConfig } from './config.js';
import { LibvirtClient, type LibvirtUri, parseLibvirtUri } from './rpc/index.js';

/** Ping an idle connection so a silently dead SSH link is noticed; libvirtd pings us too. */
const KEEPALIVE = { intervalMs: 5_000, count: 6 };

/** How an operation behaves when the connection is found lost while it runs. */
export interface UseOptions {
  /**
   * Run the whole operation again on a fresh connection. Only for operations that are safe to
   * repeat: reads, and changes that look at the current state first.
   */
  retry: boolean;
}

interface Link {
  client: LibvirtClient;
  ssh?: SshSession;
}

/** A lazily opened, self-healing connection to the libvirt daemon a configuration names. */
export class LibvirtConnection {
  readonly #context: ProviderContext;
  readonly #config: LibvirtConfig;
  readonly #uri: LibvirtUri;
  #link: Promise<Link> | undefined;
  #closed = false;

  /** Parses the URI now (a bad one fails early) but does not connect. */
  constructor(context: ProviderContext, config: LibvirtConfig) {
    this.#context = context;
    this.#config = config;
    this.#uri = parseLibvirtUri(config.uri);
  }

  /** The parsed connection URI. */
  get uri(): LibvirtUri {
    return this.#uri;
  }

  /** True when the daemon is on this machine (its files can be reached directly). */
  get isLocal(): boolean {
    return this.#uri.transport === 'unix';
  }

  /** The SSH session of a `qemu+ssh://` connection, opening the connection if needed. */
  async sshSession(): Promise<SshSession | undefined> {
    return (await this.#current()).ssh;
  }

  /**
   * Runs `operation` with an open client. A connection already known to be lost is replaced
   * first; one lost while the operation runs is replaced and the operation repeated once, when
   * `retry` allows it.
   */
  async use<T>(operation: (client: LibvirtClient) => Promise<T>, options: UseOptions): Promise<T> {
    const link = await this.#current();
    try {
      return await operation(link.client);
    } catch (error) {
      if (!options.retry || !isLost(error) || link.client.isOpen) throw error;
      this.#context.logger.debug('libvirt connection lost; reconnecting once', { uri: this.#uri.uri });
      return operation((await this.#current()).client);
    }
  }

  /** Closes the connection and its SSH session; later use fails. */
  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#link;
    this.#link = undefined;
    if (pending === undefined) return;
    const link = await pending.catch(() => undefined);
    if (link !== undefined) await closeLink(link);
  }

  async #current(): Promise<Link> {
    if (this.#closed) {
      throw new ImsError('IMS_INTERNAL', 'The libvirt provider was used after close().', {
        hint: 'Create a new provider instance.',
      });
    }
    const existing = this.#link;
    if (existing !== undefined) {
      const link = await existing.catch(() => undefined);
      if (link?.client.isOpen) return link;
      if (this.#link === existing) this.#link = undefined;
      if (link !== undefined) await closeLink(link);
    }
    // Concurrent callers share one attempt; a failed attempt is forgotten, so the next call tries again.
    this.#link ??= this.#open();
    const attempt = this.#link;
    try {
      return await attempt;
    } catch (error) {
      if (this.#link === attempt) this.#link = undefined;
      throw error;
    }
  }

  async #open(): Promise<Link> {
    const { signal } = this.#context;
    if (this.#uri.transport === 'unix') {
      const client = await LibvirtClient.connect(this.#uri.uri, { keepalive: KEEPALIVE, signal });
      return { client };
    }
    const ssh = await this.#context.ssh.connect(this.#sshTarget(), signal);
    try {
      const client = await LibvirtClient.connect(this.#uri.uri, { ssh, keepalive: KEEPALIVE, signal });
      return { client, ssh };
    } catch (error) {
      await ssh.close().catch(() => {});
      throw error;
    }
  }

  #sshTarget(): SshTarget {
    const { host, port, user } = this.#uri;
    const config = this.#config;
    const target: SshTarget = { host: host ?? '', username: user ?? 'root' };
    if (port !== undefined) target.port = port;
    if (config.sshKey !== undefined) target.privateKey = config.sshKey;
    if (config.sshPassword !== undefined) target.password = config.sshPassword;
    if (config.hostKeyFingerprint !== undefined) target.hostKeyFingerprint = config.hostKeyFingerprint;
    if (config.acceptNewHostKey === true) target.acceptNewHostKey = true;
    return target;
  }
}

function isLost(error: unknown): boolean {
  return isImsError(error) && error.code === 'IMS_CONNECTION_FAILED';
}

async function closeLink(link: Link): Promise<void> {
  await link.client.close().catch(() => {});
  await link.ssh?.close().catch(() => {});
}
