/**
 * Enumerations and flag bits of libvirt's public API (libvirt-domain.h, libvirt-storage.h) that the
 * client's procedures take or return. Their values are part of libvirt's stable ABI.
 */

/** `virDomainState`. */
export const DomainState = {
  NOSTATE: 0,
  RUNNING: 1,
  BLOCKED: 2,
  PAUSED: 3,
  SHUTDOWN: 4,
  SHUTOFF: 5,
  CRASHED: 6,
  PMSUSPENDED: 7,
} as const;

/** `virConnectListAllDomainsFlags` (0 lists every domain). */
export const ListDomainsFlags = {
  ACTIVE: 1 << 0,
  INACTIVE: 1 << 1,
  PERSISTENT: 1 << 2,
  TRANSIENT: 1 << 3,
  RUNNING: 1 << 4,
  PAUSED: 1 << 5,
  SHUTOFF: 1 << 6,
  OTHER: 1 << 7,
} as const;

/** `virDomainStatsTypes`: groups of statistics for CONNECT_GET_ALL_DOMAIN_STATS (0 means all). */
export const DomainStatsTypes = {
  STATE: 1 << 0,
  CPU_TOTAL: 1 << 1,
  BALLOON: 1 << 2,
  VCPU: 1 << 3,
  INTERFACE: 1 << 4,
  BLOCK: 1 << 5,
  PERF: 1 << 6,
  IOTHREAD: 1 << 7,
  MEMORY: 1 << 8,
} as const;

/** `virConnectGetAllDomainStatsFlags`: the domain filters match {@link ListDomainsFlags}. */
export const DomainStatsFlags = {
  ...ListDomainsFlags,
  /** Do not wait for a domain's job lock; report what is available. */
  NOWAIT: 1 << 29,
  /** Include backing chain details in block statistics. */
  BACKING: 1 << 30,
  /** Fail if a requested statistics group is not supported (the value is 2^31, an unsigned int). */
  ENFORCE_STATS: 2 ** 31,
} as const;

/** `virDomainUndefineFlagsValues`. */
export const UndefineFlags = {
  MANAGED_SAVE: 1 << 0,
  SNAPSHOTS_METADATA: 1 << 1,
  NVRAM: 1 << 2,
  KEEP_NVRAM: 1 << 3,
  CHECKPOINTS_METADATA: 1 << 4,
} as const;

/** `virDomainShutdownFlagValues` (0 lets the hypervisor choose). */
export const ShutdownFlags = {
  ACPI_POWER_BTN: 1 << 0,
  GUEST_AGENT: 1 << 1,
  INITCTL: 1 << 2,
  SIGNAL: 1 << 3,
  PARAVIRT: 1 << 4,
} as const;

/** `virDomainDestroyFlagsValues`. */
export const DestroyFlags = { GRACEFUL: 1 << 0 } as const;

/** `virDomainInterfaceAddressesSource`. */
export const InterfaceAddressSource = { LEASE: 0, AGENT: 1, ARP: 2 } as const;

/** `virIPAddrType`. */
export const IpAddrType = { IPV4: 0, IPV6: 1 } as const;

/** `virDomainMemoryStatTags`. */
export const MemoryStatTag = {
  SWAP_IN: 0,
  SWAP_OUT: 1,
  MAJOR_FAULT: 2,
  MINOR_FAULT: 3,
  UNUSED: 4,
  AVAILABLE: 5,
  ACTUAL_BALLOON: 6,
  RSS: 7,
  USABLE: 8,
  LAST_UPDATE: 9,
  DISK_CACHES: 10,
  HUGETLB_PGALLOC: 11,
  HUGETLB_PGFAIL: 12,
} as const;

/** `virStoragePoolState`. */
export const StoragePoolState = {
  INACTIVE: 0,
  BUILDING: 1,
  RUNNING: 2,
  DEGRADED: 3,
  INACCESSIBLE: 4,
} as const;

/** `virStoragePoolBuildFlags`. */
export const StoragePoolBuildFlags = {
  REPAIR: 1 << 0,
  RESIZE: 1 << 1,
  NO_OVERWRITE: 1 << 2,
  OVERWRITE: 1 << 3,
} as const;

/** `virStorageVolType`. */
export const StorageVolType = { FILE: 0, BLOCK: 1, DIR: 2, NETWORK: 3, NETDIR: 4, PLOOP: 5 } as const;

/** `virStorageVolUploadFlags`: SPARSE_STREAM lets the stream carry holes instead of zeros. */
export const StorageVolUploadFlags = { SPARSE_STREAM: 1 << 0 } as const;

/** `virStorageVolDeleteFlags`. */
export const StorageVolDeleteFlags = { ZEROED: 1 << 0, WITH_SNAPSHOTS: 1 << 1 } as const;

/** `virDomainQemuAgentCommandTimeoutValues`: seconds, or these special values. */
export const AgentCommandTimeout = { BLOCK: -2, DEFAULT: -1, NOWAIT: 0 } as const;

/** `virDrvFeature` values the client asks about with CONNECT_SUPPORTS_FEATURE. */
export const ConnectFeature = { TYPED_PARAM_STRING: 9, PROGRAM_KEEPALIVE: 10 } as const;
