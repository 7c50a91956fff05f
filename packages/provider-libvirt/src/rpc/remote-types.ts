/**
 * Wire types of the REMOTE program shared by many procedures (remote_protocol.x), with their
 * XDR encoders and decoders. Limits are libvirt's, so a hostile peer cannot make us allocate more.
 */
import type { XdrReader, XdrWriter } from './xdr.js';
import { XdrError } from './xdr.js';

/** REMOTE_STRING_MAX. */
export const STRING_MAX = 4 * 1024 * 1024;
/** VIR_UUID_BUFLEN. */
export const UUID_BYTES = 16;
/** REMOTE_DOMAIN_LIST_MAX. */
export const DOMAIN_LIST_MAX = 16_384;
/** REMOTE_STORAGE_POOL_LIST_MAX. */
export const STORAGE_POOL_LIST_MAX = 4_096;
/** REMOTE_STORAGE_VOL_LIST_MAX. */
export const STORAGE_VOL_LIST_MAX = 16_384;
/**
 * REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX: 4096 in older libvirt, raised in newer releases for
 * domains with many disks; we accept the larger bound, the packet size limit still applies.
 */
export const DOMAIN_STATS_PARAMS_MAX = 262_144;
/** REMOTE_DOMAIN_MEMORY_STATS_MAX. */
export const MEMORY_STATS_MAX = 1_024;
/** REMOTE_DOMAIN_INTERFACE_MAX. */
export const DOMAIN_INTERFACE_MAX = 2_048;
/** REMOTE_DOMAIN_IP_ADDR_MAX. */
export const DOMAIN_IP_ADDR_MAX = 2_048;
/** REMOTE_AUTH_TYPE_LIST_MAX. */
export const AUTH_TYPE_LIST_MAX = 20;

/** A domain as libvirt names it on the wire (`remote_nonnull_domain`). */
export interface DomainRef {
  /** Domain name. */
  name: string;
  /** 16-byte UUID. */
  uuid: Uint8Array;
  /** Running domain's id, or -1 when it is not running. */
  id: number;
}

/** A storage pool on the wire (`remote_nonnull_storage_pool`). */
export interface StoragePoolRef {
  /** Pool name. */
  name: string;
  /** 16-byte UUID. */
  uuid: Uint8Array;
}

/** A storage volume on the wire (`remote_nonnull_storage_vol`). */
export interface StorageVolRef {
  /** Name of the pool holding it. */
  pool: string;
  /** Volume name. */
  name: string;
  /** Unique key (for file-based pools: the path). */
  key: string;
}

/** One typed parameter (`remote_typed_param`), e.g. a domain statistic. */
export type TypedParam = { field: string } & (
  | { type: 'int' | 'uint' | 'double'; value: number }
  | { type: 'llong' | 'ullong'; value: bigint }
  | { type: 'boolean'; value: boolean }
  | { type: 'string'; value: string }
);

/** The formatted form of a UUID: 8-4-4-4-12 lowercase hex. */
export function formatUuid(uuid: Uint8Array): string {
  const hex = Buffer.from(uuid).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Encodes a `remote_nonnull_domain`. */
export function writeDomain(writer: XdrWriter, domain: DomainRef): void {
  writer.string(domain.name, STRING_MAX).fixedOpaque(domain.uuid, UUID_BYTES).int(domain.id);
}

/** Decodes a `remote_nonnull_domain`. */
export function readDomain(reader: XdrReader): DomainRef {
  return { name: reader.string(STRING_MAX), uuid: reader.fixedOpaque(UUID_BYTES), id: reader.int() };
}

/** Encodes a `remote_nonnull_storage_pool`. */
export function writePool(writer: XdrWriter, pool: StoragePoolRef): void {
  writer.string(pool.name, STRING_MAX).fixedOpaque(pool.uuid, UUID_BYTES);
}

/** Decodes a `remote_nonnull_storage_pool`. */
export function readPool(reader: XdrReader): StoragePoolRef {
  return { name: reader.string(STRING_MAX), uuid: reader.fixedOpaque(UUID_BYTES) };
}

/** Encodes a `remote_nonnull_storage_vol`. */
export function writeVol(writer: XdrWriter, vol: StorageVolRef): void {
  writer.string(vol.pool, STRING_MAX).string(vol.name, STRING_MAX).string(vol.key, STRING_MAX);
}

/** Decodes a `remote_nonnull_storage_vol`. */
export function readVol(reader: XdrReader): StorageVolRef {
  return { pool: reader.string(STRING_MAX), name: reader.string(STRING_MAX), key: reader.string(STRING_MAX) };
}

/** `virTypedParameterType` discriminants of `remote_typed_param_value`. */
const TypedParamKind = { INT: 1, UINT: 2, LLONG: 3, ULLONG: 4, DOUBLE: 5, BOOLEAN: 6, STRING: 7 } as const;

/** Decodes a `remote_typed_param`; an unknown type is refused. */
export function readTypedParam(reader: XdrReader): TypedParam {
  const field = reader.string(STRING_MAX);
  const kind = reader.int();
  switch (kind) {
    case TypedParamKind.INT:
      return { field, type: 'int', value: reader.int() };
    case TypedParamKind.UINT:
      return { field, type: 'uint', value: reader.uint() };
    case TypedParamKind.LLONG:
      return { field, type: 'llong', value: reader.hyper() };
    case TypedParamKind.ULLONG:
      return { field, type: 'ullong', value: reader.uhyper() };
    case TypedParamKind.DOUBLE:
      return { field, type: 'double', value: reader.double() };
    case TypedParamKind.BOOLEAN:
      // libvirt sends any non-zero int as true, so this is looser than XDR's bool.
      return { field, type: 'boolean', value: reader.int() !== 0 };
    case TypedParamKind.STRING:
      return { field, type: 'string', value: reader.string(STRING_MAX) };
    default:
      throw new XdrError(`typed parameter '${field}' has unknown type ${kind}`);
  }
}

/** Encodes a `remote_typed_param`. */
export function writeTypedParam(writer: XdrWriter, param: TypedParam): void {
  writer.string(param.field, STRING_MAX);
  switch (param.type) {
    case 'int':
      writer.int(TypedParamKind.INT).int(param.value);
      break;
    case 'uint':
      writer.int(TypedParamKind.UINT).uint(param.value);
      break;
    case 'llong':
      writer.int(TypedParamKind.LLONG).hyper(param.value);
      break;
    case 'ullong':
      writer.int(TypedParamKind.ULLONG).uhyper(param.value);
      break;
    case 'double':
      writer.int(TypedParamKind.DOUBLE).double(param.value);
      break;
    case 'boolean':
      writer.int(TypedParamKind.BOOLEAN).int(param.value ? 1 : 0);
      break;
    case 'string':
      writer.int(TypedParamKind.STRING).string(param.value, STRING_MAX);
      break;
  }
}

/** Typed parameters as a record from field name to value. */
export function typedParamsToRecord(params: readonly TypedParam[]): Record<string, TypedParam['value']> {
  const record: Record<string, TypedParam['value']> = {};
  for (const param of params) record[param.field] = param.value;
  return record;
}
