import type { StaticAddress } from '@ims/spi';

/** The state document version this IMS writes and reads natively. */
export const CURRENT_STATE_VERSION = 2;

/** The state document (`IMS_HOME/state.json`), version 2. */
export interface StateV2 {
  /** Document version, always {@link CURRENT_STATE_VERSION}. */
  version: 2;
  /** Configurations by name. */
  configs: Record<string, ConfigRecord>;
  /** VMs by name; names are unique across all configurations. */
  vms: Record<string, VmRecord>;
  /**
   * Operations that change a hypervisor and have not finished, by {@link PendingOperation.id}:
   * written before the hypervisor is touched, removed when the operation is complete or undone.
   * An entry whose process is gone is a leftover that `ims doctor --repair` (or the next command
   * on the same VM or template) rolls back.
   */
  pending: Record<string, PendingOperation>;
}

/** A named configuration: a provider plus its non-secret options. */
export interface ConfigRecord {
  /** Configuration name (equal to its key in {@link StateV2.configs}). */
  name: string;
  /**
   * Key of this configuration's entry in `secrets.json`: random, never reused, replaced whenever its
   * secrets change. An entry no configuration names is dead: never read, and removed by the next
   * write. So a configuration re-created under an old name can never see the old one's secrets.
   */
  secretsId: string;
  /** Provider id. */
  provider: string;
  /** Non-secret provider options only; secrets live in `secrets.json`. */
  options: Record<string, unknown>;
  /** When the configuration was created (ISO 8601). */
  createdAt: string;
  /**
   * Fingerprint of the provider config schema the options were validated against (see
   * `host/schema-digest.ts`); absent in older state, which is then validated on use.
   */
  schemaDigest?: string;
  /** Imported templates by name. */
  templates: Record<string, TemplateRecord>;
}

/** A template imported into a configuration. */
export interface TemplateRecord {
  /** Template name (equal to its key in {@link ConfigRecord.templates}). */
  name: string;
  /** When it was imported (ISO 8601). */
  importedAt: string;
  /** Size of the imported disk(s) in bytes, if known. */
  sizeBytes?: number;
  /** Guest OS, if known. */
  os?: string;
}

/** One NIC of a VM as IMS remembers it. */
export interface VmNicRecord {
  /** MAC address, lower-case, colon-separated. */
  mac: string;
  /** A static address, or DHCP. */
  address: 'dhcp' | StaticAddress;
  /** Default gateway through this NIC, if any. */
  gateway?: string;
}

/** A VM created through IMS. */
export interface VmRecord {
  /** VM name (equal to its key in {@link StateV2.vms}). */
  name: string;
  /** Name of the configuration it belongs to. */
  config: string;
  /** Name of the template it was created from. */
  template: string;
  /** Virtual CPUs. */
  cpus: number;
  /** Memory in MiB. */
  memoryMiB: number;
  /** NICs in slot order. */
  nics: VmNicRecord[];
  /** DNS servers, in order of preference. */
  dns: string[];
  /** SSH public keys to authorize. */
  sshKeys: string[];
  /** User boot parameters. */
  params: Record<string, string>;
  /** When the VM was created (ISO 8601). */
  createdAt: string;
}

/** The state document of this IMS. */
export type State = StateV2;

/** The kinds of journaled operations. */
export const PENDING_KINDS = ['vm-create', 'template-import'] as const;

/** One of {@link PENDING_KINDS}. */
export type PendingKind = (typeof PENDING_KINDS)[number];

/** A journal entry: what an `ims` process is doing to a hypervisor. */
export interface PendingOperation {
  /** Key in {@link StateV2.pending} ({@link pendingId}), so one object has at most one entry. */
  id: string;
  /** What is being done. */
  kind: PendingKind;
  /** Configuration. */
  config: string;
  /** The VM or template name. */
  name: string;
  /** The template a VM is being created from (`vm-create`). */
  template?: string;
  /** The work directory of an import under `IMS_HOME/tmp` (`template-import`). */
  workDir?: string;
  /** The process doing it; 0 for an entry made from a version-1 record, which has none. */
  pid: number;
  /** Its host name (a pid means nothing on another host). */
  hostname: string;
  /** When that process started (Linux `/proc` start time), to tell it from a later process with the same pid. */
  processStart?: string;
  /** Unique per operation: tells this process's own entries from a dead namesake's with the same pid. */
  token: string;
  /** When it started (ISO 8601). */
  startedAt: string;
}

/**
 * The journal key of an operation on an object: `vm-create:<vm>` (VM names are unique across
 * configurations) or `template-import:<config>/<template>`.
 */
export function pendingId(kind: PendingKind, config: string, name: string): string {
  return kind === 'vm-create' ? `${kind}:${name}` : `${kind}:${config}/${name}`;
}

/** A fresh, empty state document of the current version. */
export function emptyState(): State {
  return { version: CURRENT_STATE_VERSION, configs: {}, vms: {}, pending: {} };
}
