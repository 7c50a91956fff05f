/**
 * Procedure numbers this client uses, checked against libvirt's `src/remote/remote_protocol.x`
 * and `src/remote/qemu_protocol.x`. libvirt only ever appends procedures, so they are stable.
 */
import { KEEPALIVE_PROGRAM, KeepaliveProc, QEMU_PROGRAM, REMOTE_PROGRAM } from './packet.js';

/** `remote_procedure` numbers of the REMOTE program. */
export const RemoteProc = {
  CONNECT_OPEN: 1,
  CONNECT_CLOSE: 2,
  CONNECT_GET_VERSION: 4,
  DOMAIN_DEFINE_XML: 11,
  DOMAIN_GET_XML_DESC: 14,
  DOMAIN_GET_INFO: 16,
  DOMAIN_LOOKUP_BY_NAME: 23,
  DOMAIN_LOOKUP_BY_UUID: 24,
  DOMAIN_RESUME: 28,
  DOMAIN_SUSPEND: 34,
  CONNECT_GET_HOSTNAME: 59,
  CONNECT_SUPPORTS_FEATURE: 60,
  AUTH_LIST: 66,
  AUTH_POLKIT: 70,
  STORAGE_POOL_DEFINE_XML: 77,
  STORAGE_POOL_CREATE: 78,
  STORAGE_POOL_BUILD: 79,
  STORAGE_POOL_DESTROY: 80,
  STORAGE_POOL_UNDEFINE: 82,
  STORAGE_POOL_REFRESH: 83,
  STORAGE_POOL_LOOKUP_BY_NAME: 84,
  STORAGE_POOL_GET_INFO: 87,
  STORAGE_VOL_CREATE_XML: 93,
  STORAGE_VOL_DELETE: 94,
  STORAGE_VOL_LOOKUP_BY_NAME: 95,
  STORAGE_VOL_GET_INFO: 98,
  STORAGE_VOL_GET_PATH: 100,
  STORAGE_VOL_CREATE_XML_FROM: 125,
  CONNECT_GET_LIB_VERSION: 157,
  DOMAIN_MEMORY_STATS: 159,
  DOMAIN_CREATE_WITH_FLAGS: 196,
  STORAGE_VOL_UPLOAD: 208,
  DOMAIN_GET_STATE: 212,
  DOMAIN_UNDEFINE_FLAGS: 231,
  DOMAIN_DESTROY_FLAGS: 234,
  DOMAIN_SHUTDOWN_FLAGS: 258,
  CONNECT_LIST_ALL_DOMAINS: 273,
  CONNECT_LIST_ALL_STORAGE_POOLS: 281,
  STORAGE_POOL_LIST_ALL_VOLUMES: 282,
  CONNECT_GET_ALL_DOMAIN_STATS: 344,
  DOMAIN_DEFINE_XML_FLAGS: 350,
  DOMAIN_INTERFACE_ADDRESSES: 353,
} as const;

/** `qemu_procedure` numbers of the QEMU program. */
export const QemuProc = {
  DOMAIN_MONITOR_COMMAND: 1,
  DOMAIN_AGENT_COMMAND: 3,
} as const;

const remoteNames = new Map<number, string>(Object.entries(RemoteProc).map(([name, n]) => [n, name]));
const qemuNames = new Map<number, string>(Object.entries(QemuProc).map(([name, n]) => [n, name]));

/** A readable name for a procedure, for messages (e.g. `DOMAIN_LOOKUP_BY_NAME`, `QEMU_DOMAIN_AGENT_COMMAND`). */
export function procedureName(prog: number, proc: number): string {
  if (prog === REMOTE_PROGRAM) return remoteNames.get(proc) ?? `REMOTE_PROC_${proc}`;
  if (prog === QEMU_PROGRAM) return `QEMU_${qemuNames.get(proc) ?? `PROC_${proc}`}`;
  if (prog === KEEPALIVE_PROGRAM) return proc === KeepaliveProc.PING ? 'KEEPALIVE_PING' : 'KEEPALIVE_PONG';
  return `PROG_0x${prog.toString(16)}_PROC_${proc}`;
}
