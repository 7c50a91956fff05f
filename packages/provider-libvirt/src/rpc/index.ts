/** libvirt's RPC protocol in TypeScript: transports, connection, typed client. */
export {
  type DomainInfo,
  type DomainInterface,
  type DomainIpAddress,
  type DomainStateInfo,
  type DomainStatsRecord,
  LibvirtClient,
  type LibvirtConnectOptions,
  type MemoryStat,
  type StoragePoolInfo,
  type StorageVolInfo,
  type VolumeUploadOptions,
} from './client.js';
export {
  type CallOptions,
  type KeepaliveOptions,
  RpcConnection,
  type RpcConnectionOptions,
  type StreamHole,
  type UploadOptions,
} from './connection.js';
export * from './flags.js';
export { libvirtErrorCode, VirErr, virErrorName } from './libvirt-error.js';
export {
  type DomainRef,
  formatUuid,
  type StoragePoolRef,
  type StorageVolRef,
  type TypedParam,
  typedParamsToRecord,
} from './remote-types.js';
export {
  duplexTransport,
  openSshTransport,
  openUnixTransport,
  type Transport,
  type UnixTransportOptions,
} from './transport.js';
export { type LibvirtUri, parseLibvirtUri, SYSTEM_SOCKET } from './uri.js';
