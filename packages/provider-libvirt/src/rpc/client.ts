/**
 * A typed libvirt client over the REMOTE and QEMU programs: the procedures the provider needs,
 * with argument and reply layouts from remote_protocol.x / qemu_protocol.x.
 */
import type { SshSession } from '@ims/spi';
import { ImsError } from '@ims/spi';
import {
  type CallOptions,
  type KeepaliveOptions,
  protocolError,
  RpcConnection,
  type StreamHole,
} from './connection.js';
import { AgentCommandTimeout } from './flags.js';
import { QEMU_PROGRAM, REMOTE_PROGRAM } from './packet.js';
import { procedureName, QemuProc, RemoteProc } from './procedures.js';
import {
  AUTH_TYPE_LIST_MAX,
  DOMAIN_INTERFACE_MAX,
  DOMAIN_IP_ADDR_MAX,
  DOMAIN_LIST_MAX,
  DOMAIN_STATS_PARAMS_MAX,
  type DomainRef,
  MEMORY_STATS_MAX,
  readDomain,
  readPool,
  readTypedParam,
  readVol,
  STORAGE_POOL_LIST_MAX,
  STORAGE_VOL_LIST_MAX,
  STRING_MAX,
  type StoragePoolRef,
  type StorageVolRef,
  type TypedParam,
  UUID_BYTES,
  writeDomain,
  writePool,
  writeVol,
} from './remote-types.js';
import { openSshTransport, openUnixTransport, type Transport } from './transport.js';
import { parseLibvirtUri } from './uri.js';
import { XdrError, type XdrReader, type XdrWriter, xdrDecode, xdrEncode } from './xdr.js';

/** Options of {@link LibvirtClient.connect}. */
export interface LibvirtConnectOptions {
  /** The SSH session for `qemu+ssh://` URIs (its host must be the URI's host). */
  ssh?: Pick<SshSession, 'openUnixSocket' | 'target'>;
  /** Give up connecting to a local socket after this many milliseconds (default 10 000). */
  connectTimeoutMs?: number;
  /** Fail any call libvirt has not answered within this many milliseconds (default: wait). */
  callTimeoutMs?: number;
  /** Ping libvirt when idle and drop a silent connection (default: off). */
  keepalive?: KeepaliveOptions;
  /** Open a read-only connection. */
  readOnly?: boolean;
  /** Cancels connecting. */
  signal?: AbortSignal;
}

/** `virDomainInfo`. */
export interface DomainInfo {
  /** `virDomainState` (see `DomainState`). */
  state: number;
  /** Maximum memory in KiB. */
  maxMemKiB: number;
  /** Current memory in KiB. */
  memoryKiB: number;
  /** Number of virtual CPUs. */
  vcpus: number;
  /** CPU time used, in nanoseconds. */
  cpuTimeNs: bigint;
}

/** State and reason, as DOMAIN_GET_STATE reports them. */
export interface DomainStateInfo {
  /** `virDomainState` (see `DomainState`). */
  state: number;
  /** State-specific reason code (e.g. `virDomainShutoffReason`). */
  reason: number;
}

/** One IP address of a guest interface. */
export interface DomainIpAddress {
  /** Address family. */
  family: 'ipv4' | 'ipv6';
  /** The address. */
  address: string;
  /** Prefix length. */
  prefix: number;
}

/** One guest interface with its addresses. */
export interface DomainInterface {
  /** Interface name (in the guest for the agent source). */
  name: string;
  /** MAC address, when known. */
  hwaddr: string | null;
  /** Its addresses. */
  addresses: DomainIpAddress[];
}

/** The statistics of one domain from CONNECT_GET_ALL_DOMAIN_STATS. */
export interface DomainStatsRecord {
  /** The domain. */
  domain: DomainRef;
  /** Its statistics (e.g. `state.state`, `cpu.time`, `balloon.current`). */
  params: TypedParam[];
}

/** One memory statistic (`remote_domain_memory_stat`). */
export interface MemoryStat {
  /** `virDomainMemoryStatTags` (see `MemoryStatTag`). */
  tag: number;
  /** Value; KiB for sizes. */
  value: number;
}

/** `virStoragePoolInfo`. */
export interface StoragePoolInfo {
  /** `virStoragePoolState` (see `StoragePoolState`). */
  state: number;
  /** Capacity in bytes. */
  capacity: number;
  /** Allocated bytes. */
  allocation: number;
  /** Free bytes. */
  available: number;
}

/** `virStorageVolInfo`. */
export interface StorageVolInfo {
  /** `virStorageVolType` (see `StorageVolType`). */
  type: number;
  /** Logical size in bytes. */
  capacity: number;
  /** Bytes allocated on the host. */
  allocation: number;
}

/** Options of {@link LibvirtClient.uploadStorageVol}. */
export interface VolumeUploadOptions {
  /** Byte offset in the volume to start writing at. */
  offset?: number;
  /** Bytes to write; 0 (the default) means until the data ends. */
  length?: number;
  /** `virStorageVolUploadFlags`: `SPARSE_STREAM` when the data has holes ({@link StreamHole}). */
  flags?: number;
  /** Called with the bytes sent so far. */
  onProgress?: (sentBytes: number) => void;
  /** Cancels the upload. */
  signal?: AbortSignal;
}

const REMOTE_AUTH_NONE = 0;
const REMOTE_AUTH_POLKIT = 2;
const VIR_CONNECT_RO = 1;

type Encoder = ((writer: XdrWriter) => void) | null;

/** A libvirt connection speaking the REMOTE and QEMU programs. */
export class LibvirtClient {
  private constructor(
    /** The RPC connection underneath. */
    readonly connection: RpcConnection,
    /** The name opened with CONNECT_OPEN (e.g. `qemu:///system`). */
    readonly name: string,
    private readonly callTimeoutMs: number | undefined,
  ) {}

  /** Connects to the daemon a libvirt URI names and opens its driver. */
  static async connect(uri: string, options: LibvirtConnectOptions = {}): Promise<LibvirtClient> {
    const parsed = parseLibvirtUri(uri);
    let transport: Transport;
    if (parsed.transport === 'ssh') {
      if (!options.ssh) {
        throw new ImsError('IMS_INTERNAL', `Connecting to ${uri} needs an SSH session, and none was given.`);
      }
      transport = await openSshTransport(options.ssh, parsed.socketPath);
    } else {
      transport = await openUnixTransport(parsed.socketPath, {
        ...(options.connectTimeoutMs === undefined ? {} : { timeoutMs: options.connectTimeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    }
    return LibvirtClient.open(transport, parsed.openName, options);
  }

  /** Authenticates on an open transport and opens the driver `name` (e.g. `test:///default`). */
  static async open(
    transport: Transport,
    name: string,
    options: Omit<LibvirtConnectOptions, 'ssh'> = {},
  ): Promise<LibvirtClient> {
    const connection = new RpcConnection(transport.stream, {
      target: transport.target,
      ...(options.keepalive === undefined ? {} : { keepalive: options.keepalive }),
    });
    const client = new LibvirtClient(connection, name, options.callTimeoutMs);
    try {
      await client.authenticate(transport.target);
      await client.remote(
        RemoteProc.CONNECT_OPEN,
        (w) =>
          w.optional(name, (ww, n) => ww.string(n, STRING_MAX)).uint(options.readOnly ? VIR_CONNECT_RO : 0),
        null,
      );
    } catch (error) {
      await connection.close();
      throw error;
    }
    return client;
  }

  /** True until the connection is closed or lost. */
  get isOpen(): boolean {
    return this.connection.isOpen;
  }

  /** Calls `listener` once when the connection is closed or lost. */
  onClose(listener: (error: ImsError) => void): () => void {
    return this.connection.onClose(listener);
  }

  /**
   * Closes the driver (CONNECT_CLOSE) and the connection. The reply is not waited for: the daemon
   * handles the close before it sees the end of the stream, and a short-lived CLI process saves a
   * round trip.
   */
  async close(): Promise<void> {
    if (this.connection.isOpen) {
      this.connection
        .call(REMOTE_PROGRAM, RemoteProc.CONNECT_CLOSE, new Uint8Array(0), { timeoutMs: 2_000 })
        .catch(() => {});
    }
    await this.connection.close();
  }

  /** libvirt's version on the daemon side, as major * 1 000 000 + minor * 1 000 + micro. */
  async libVersion(): Promise<number> {
    return this.remote(RemoteProc.CONNECT_GET_LIB_VERSION, null, (r) => r.uhyperNumber());
  }

  /** The hypervisor's version (e.g. QEMU's), encoded like {@link libVersion}. */
  async hypervisorVersion(): Promise<number> {
    return this.remote(RemoteProc.CONNECT_GET_VERSION, null, (r) => r.uhyperNumber());
  }

  /** The host name of the hypervisor host. */
  async hostname(): Promise<string> {
    return this.remote(RemoteProc.CONNECT_GET_HOSTNAME, null, (r) => r.string(STRING_MAX));
  }

  /** Whether the daemon supports a `virDrvFeature` (see `ConnectFeature`). */
  async supportsFeature(feature: number): Promise<boolean> {
    return this.remote(
      RemoteProc.CONNECT_SUPPORTS_FEATURE,
      (w) => w.int(feature),
      (r) => r.int() !== 0,
    );
  }

  /** Every domain matching `flags` (`ListDomainsFlags`; 0 for all), in one call. */
  async listAllDomains(flags = 0): Promise<DomainRef[]> {
    return this.remote(
      RemoteProc.CONNECT_LIST_ALL_DOMAINS,
      (w) => w.int(1).uint(flags),
      (r) => {
        const domains = r.array(readDomain, DOMAIN_LIST_MAX, 24);
        r.uint();
        return domains;
      },
    );
  }

  /** The domain called `name`; `IMS_VM_NOT_FOUND` when there is none. */
  async lookupDomainByName(name: string): Promise<DomainRef> {
    return this.remote(RemoteProc.DOMAIN_LOOKUP_BY_NAME, (w) => w.string(name, STRING_MAX), readDomain);
  }

  /** The domain with this 16-byte UUID; `IMS_VM_NOT_FOUND` when there is none. */
  async lookupDomainByUuid(uuid: Uint8Array): Promise<DomainRef> {
    return this.remote(RemoteProc.DOMAIN_LOOKUP_BY_UUID, (w) => w.fixedOpaque(uuid, UUID_BYTES), readDomain);
  }

  /** Defines (or redefines) a persistent domain from XML; `flags` are `virDomainDefineFlags`. */
  async defineDomainXml(xml: string, flags = 0): Promise<DomainRef> {
    if (flags === 0) {
      return this.remote(RemoteProc.DOMAIN_DEFINE_XML, (w) => w.string(xml, STRING_MAX), readDomain);
    }
    return this.remote(
      RemoteProc.DOMAIN_DEFINE_XML_FLAGS,
      (w) => w.string(xml, STRING_MAX).uint(flags),
      readDomain,
    );
  }

  /** Starts a defined domain; returns it with its new id. */
  async createDomain(domain: DomainRef, flags = 0): Promise<DomainRef> {
    return this.remote(
      RemoteProc.DOMAIN_CREATE_WITH_FLAGS,
      (w) => {
        writeDomain(w, domain);
        w.uint(flags);
      },
      readDomain,
    );
  }

  /** Asks the guest to shut down (`ShutdownFlags` choose how); returns before it has. */
  async shutdownDomain(domain: DomainRef, flags = 0): Promise<void> {
    await this.remote(RemoteProc.DOMAIN_SHUTDOWN_FLAGS, domainAndFlags(domain, flags), null);
  }

  /** Stops a domain at once (power off). */
  async destroyDomain(domain: DomainRef, flags = 0): Promise<void> {
    await this.remote(RemoteProc.DOMAIN_DESTROY_FLAGS, domainAndFlags(domain, flags), null);
  }

  /** Pauses a running domain. */
  async suspendDomain(domain: DomainRef): Promise<void> {
    await this.remote(RemoteProc.DOMAIN_SUSPEND, (w) => writeDomain(w, domain), null);
  }

  /** Resumes a paused domain. */
  async resumeDomain(domain: DomainRef): Promise<void> {
    await this.remote(RemoteProc.DOMAIN_RESUME, (w) => writeDomain(w, domain), null);
  }

  /** Removes a domain's definition (`UndefineFlags`). */
  async undefineDomain(domain: DomainRef, flags = 0): Promise<void> {
    await this.remote(RemoteProc.DOMAIN_UNDEFINE_FLAGS, domainAndFlags(domain, flags), null);
  }

  /** The domain's state and its reason. */
  async getDomainState(domain: DomainRef): Promise<DomainStateInfo> {
    return this.remote(RemoteProc.DOMAIN_GET_STATE, domainAndFlags(domain, 0), (r) => ({
      state: r.int(),
      reason: r.int(),
    }));
  }

  /** State, memory, vCPUs and CPU time of a domain. */
  async getDomainInfo(domain: DomainRef): Promise<DomainInfo> {
    return this.remote(
      RemoteProc.DOMAIN_GET_INFO,
      (w) => writeDomain(w, domain),
      (r) => ({
        state: r.uint(),
        maxMemKiB: r.uhyperNumber(),
        memoryKiB: r.uhyperNumber(),
        vcpus: r.uint(),
        cpuTimeNs: r.uhyper(),
      }),
    );
  }

  /** The domain's XML description (`virDomainXMLFlags`). */
  async getDomainXml(domain: DomainRef, flags = 0): Promise<string> {
    return this.remote(RemoteProc.DOMAIN_GET_XML_DESC, domainAndFlags(domain, flags), (r) =>
      r.string(STRING_MAX),
    );
  }

  /** The guest's interfaces and addresses from `source` (`InterfaceAddressSource`). */
  async domainInterfaceAddresses(domain: DomainRef, source: number, flags = 0): Promise<DomainInterface[]> {
    return this.remote(
      RemoteProc.DOMAIN_INTERFACE_ADDRESSES,
      (w) => {
        writeDomain(w, domain);
        w.uint(source).uint(flags);
      },
      (r) => r.array(readInterface, DOMAIN_INTERFACE_MAX, 12),
    );
  }

  /**
   * Statistics of many domains in one call: of `domains`, or of every domain matching `flags`
   * when `domains` is empty. `stats` selects groups (`DomainStatsTypes`; 0 for all).
   */
  async getAllDomainStats(domains: readonly DomainRef[], stats = 0, flags = 0): Promise<DomainStatsRecord[]> {
    return this.remote(
      RemoteProc.CONNECT_GET_ALL_DOMAIN_STATS,
      (w) => w.array(domains, writeDomain, DOMAIN_LIST_MAX).uint(stats).uint(flags),
      (r) =>
        r.array(
          (rr) => ({ domain: readDomain(rr), params: rr.array(readTypedParam, DOMAIN_STATS_PARAMS_MAX, 12) }),
          DOMAIN_LIST_MAX,
          28,
        ),
    );
  }

  /** Memory statistics of a running domain (balloon, RSS, guest-reported values). */
  async domainMemoryStats(domain: DomainRef, maxStats = 16, flags = 0): Promise<MemoryStat[]> {
    return this.remote(
      RemoteProc.DOMAIN_MEMORY_STATS,
      (w) => {
        writeDomain(w, domain);
        w.uint(maxStats).uint(flags);
      },
      (r) => r.array((rr) => ({ tag: rr.int(), value: rr.uhyperNumber() }), MEMORY_STATS_MAX, 12),
    );
  }

  /** The storage pool called `name`. */
  async lookupStoragePoolByName(name: string): Promise<StoragePoolRef> {
    return this.remote(RemoteProc.STORAGE_POOL_LOOKUP_BY_NAME, (w) => w.string(name, STRING_MAX), readPool);
  }

  /** Defines a persistent storage pool from XML (not started). */
  async defineStoragePoolXml(xml: string, flags = 0): Promise<StoragePoolRef> {
    return this.remote(
      RemoteProc.STORAGE_POOL_DEFINE_XML,
      (w) => w.string(xml, STRING_MAX).uint(flags),
      readPool,
    );
  }

  /** Builds a defined pool's backing storage (e.g. creates a `dir` pool's directory). */
  async buildStoragePool(pool: StoragePoolRef, flags = 0): Promise<void> {
    await this.remote(RemoteProc.STORAGE_POOL_BUILD, poolAndFlags(pool, flags), null);
  }

  /** Starts a defined pool. */
  async createStoragePool(pool: StoragePoolRef, flags = 0): Promise<void> {
    await this.remote(RemoteProc.STORAGE_POOL_CREATE, poolAndFlags(pool, flags), null);
  }

  /** Stops a pool (its volumes stay on disk). */
  async destroyStoragePool(pool: StoragePoolRef): Promise<void> {
    await this.remote(RemoteProc.STORAGE_POOL_DESTROY, (w) => writePool(w, pool), null);
  }

  /** Removes an inactive pool's definition. */
  async undefineStoragePool(pool: StoragePoolRef): Promise<void> {
    await this.remote(RemoteProc.STORAGE_POOL_UNDEFINE, (w) => writePool(w, pool), null);
  }

  /** Rescans a pool's volumes. */
  async refreshStoragePool(pool: StoragePoolRef, flags = 0): Promise<void> {
    await this.remote(RemoteProc.STORAGE_POOL_REFRESH, poolAndFlags(pool, flags), null);
  }

  /** State and sizes of a pool. */
  async getStoragePoolInfo(pool: StoragePoolRef): Promise<StoragePoolInfo> {
    return this.remote(
      RemoteProc.STORAGE_POOL_GET_INFO,
      (w) => writePool(w, pool),
      (r) => ({
        state: r.uint(),
        capacity: r.uhyperNumber(),
        allocation: r.uhyperNumber(),
        available: r.uhyperNumber(),
      }),
    );
  }

  /** Every storage pool matching `virConnectListAllStoragePoolsFlags` (0 for all). */
  async listAllStoragePools(flags = 0): Promise<StoragePoolRef[]> {
    return this.remote(
      RemoteProc.CONNECT_LIST_ALL_STORAGE_POOLS,
      (w) => w.int(1).uint(flags),
      (r) => {
        const pools = r.array(readPool, STORAGE_POOL_LIST_MAX, 20);
        r.uint();
        return pools;
      },
    );
  }

  /** Every volume of a pool. */
  async listAllVolumes(pool: StoragePoolRef, flags = 0): Promise<StorageVolRef[]> {
    return this.remote(
      RemoteProc.STORAGE_POOL_LIST_ALL_VOLUMES,
      (w) => {
        writePool(w, pool);
        w.int(1).uint(flags);
      },
      (r) => {
        const vols = r.array(readVol, STORAGE_VOL_LIST_MAX, 12);
        r.uint();
        return vols;
      },
    );
  }

  /** Creates a volume in a pool from XML (`virStorageVolCreateFlags`). */
  async createStorageVolXml(pool: StoragePoolRef, xml: string, flags = 0): Promise<StorageVolRef> {
    return this.remote(
      RemoteProc.STORAGE_VOL_CREATE_XML,
      (w) => {
        writePool(w, pool);
        w.string(xml, STRING_MAX).uint(flags);
      },
      readVol,
    );
  }

  /** Creates a volume from XML, filled with a copy of `source`'s data. */
  async createStorageVolXmlFrom(
    pool: StoragePoolRef,
    xml: string,
    source: StorageVolRef,
    flags = 0,
  ): Promise<StorageVolRef> {
    return this.remote(
      RemoteProc.STORAGE_VOL_CREATE_XML_FROM,
      (w) => {
        writePool(w, pool);
        w.string(xml, STRING_MAX);
        writeVol(w, source);
        w.uint(flags);
      },
      readVol,
    );
  }

  /** The volume called `name` in `pool`. */
  async lookupStorageVolByName(pool: StoragePoolRef, name: string): Promise<StorageVolRef> {
    return this.remote(
      RemoteProc.STORAGE_VOL_LOOKUP_BY_NAME,
      (w) => {
        writePool(w, pool);
        w.string(name, STRING_MAX);
      },
      readVol,
    );
  }

  /** The volume's path on the libvirt host. */
  async getStorageVolPath(vol: StorageVolRef): Promise<string> {
    return this.remote(
      RemoteProc.STORAGE_VOL_GET_PATH,
      (w) => writeVol(w, vol),
      (r) => r.string(STRING_MAX),
    );
  }

  /** Type and sizes of a volume. */
  async getStorageVolInfo(vol: StorageVolRef): Promise<StorageVolInfo> {
    return this.remote(
      RemoteProc.STORAGE_VOL_GET_INFO,
      (w) => writeVol(w, vol),
      (r) => ({ type: r.int(), capacity: r.uhyperNumber(), allocation: r.uhyperNumber() }),
    );
  }

  /** Deletes a volume and its data (`StorageVolDeleteFlags`). */
  async deleteStorageVol(vol: StorageVolRef, flags = 0): Promise<void> {
    await this.remote(
      RemoteProc.STORAGE_VOL_DELETE,
      (w) => {
        writeVol(w, vol);
        w.uint(flags);
      },
      null,
    );
  }

  /** Writes data into a volume through a libvirt stream (works the same over SSH). */
  async uploadStorageVol(
    vol: StorageVolRef,
    data: Uint8Array | AsyncIterable<Uint8Array | StreamHole>,
    options: VolumeUploadOptions = {},
  ): Promise<void> {
    const args = xdrEncode((w) => {
      writeVol(w, vol);
      w.uhyper(options.offset ?? 0)
        .uhyper(options.length ?? 0)
        .uint(options.flags ?? 0);
    });
    const source = data instanceof Uint8Array ? single(data) : data;
    await this.connection.upload(REMOTE_PROGRAM, RemoteProc.STORAGE_VOL_UPLOAD, args, source, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
  }

  /**
   * Sends a JSON command to the guest agent (QEMU program); resolves to its JSON reply, or null.
   * `timeoutSeconds` may also be one of `AgentCommandTimeout`.
   */
  async qemuAgentCommand(
    domain: DomainRef,
    command: string,
    timeoutSeconds: number = AgentCommandTimeout.DEFAULT,
    flags = 0,
  ): Promise<string | null> {
    return this.call(
      QEMU_PROGRAM,
      QemuProc.DOMAIN_AGENT_COMMAND,
      (w) => {
        writeDomain(w, domain);
        w.string(command, STRING_MAX).int(timeoutSeconds).uint(flags);
      },
      (r) => r.optional((rr) => rr.string(STRING_MAX)),
    );
  }

  private async authenticate(target: string): Promise<void> {
    const types = await this.remote(RemoteProc.AUTH_LIST, null, (r) =>
      r.array((rr) => rr.int(), AUTH_TYPE_LIST_MAX),
    );
    if (types.length === 0 || types.includes(REMOTE_AUTH_NONE)) return;
    if (types.includes(REMOTE_AUTH_POLKIT)) {
      const complete = await this.remote(RemoteProc.AUTH_POLKIT, null, (r) => r.int());
      if (complete !== 0) return;
    }
    throw new ImsError(
      'IMS_AUTH_FAILED',
      `libvirt at ${target} requires an authentication method IMS does not offer (offered: ${types.join(', ')}; IMS supports none and polkit).`,
      {
        hint: 'Connect as root, or as a user libvirt lets in without SASL (the libvirt group on the unix socket).',
        details: { target, authTypes: types },
      },
    );
  }

  private remote<T>(proc: number, encode: Encoder, decode: ((reader: XdrReader) => T) | null): Promise<T> {
    return this.call(REMOTE_PROGRAM, proc, encode, decode);
  }

  private async call<T>(
    prog: number,
    proc: number,
    encode: Encoder,
    decode: ((reader: XdrReader) => T) | null,
  ): Promise<T> {
    const body = encode ? xdrEncode(encode) : new Uint8Array(0);
    const options: CallOptions = this.callTimeoutMs === undefined ? {} : { timeoutMs: this.callTimeoutMs };
    const reply = await this.connection.call(prog, proc, body, options);
    try {
      return xdrDecode(reply, decode ?? (() => undefined as T));
    } catch (error) {
      if (error instanceof XdrError) throw protocolError(procedureName(prog, proc), error.message);
      throw error;
    }
  }
}

function domainAndFlags(domain: DomainRef, flags: number): (writer: XdrWriter) => void {
  return (w) => {
    writeDomain(w, domain);
    w.uint(flags);
  };
}

function poolAndFlags(pool: StoragePoolRef, flags: number): (writer: XdrWriter) => void {
  return (w) => {
    writePool(w, pool);
    w.uint(flags);
  };
}

function readInterface(reader: XdrReader): DomainInterface {
  const name = reader.string(STRING_MAX);
  const hwaddr = reader.optional((r) => r.string(STRING_MAX));
  const addresses = reader.array(
    (r): DomainIpAddress => {
      const type = r.int();
      if (type !== 0 && type !== 1) throw new XdrError(`unknown IP address type ${type}`);
      return { family: type === 0 ? 'ipv4' : 'ipv6', address: r.string(STRING_MAX), prefix: r.uint() };
    },
    DOMAIN_IP_ADDR_MAX,
    12,
  );
  return { name, hwaddr, addresses };
}

async function* single(data: Uint8Array): AsyncIterable<Uint8Array> {
  yield data;
}
