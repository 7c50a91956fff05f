/**
 * libvirt's error replies (`remote_error`) and how they become {@link ImsError}s.
 */
import { type ErrorCode, ImsError, isImsError } from '@ims/spi';
import type { XdrReader } from './xdr.js';

/** The libvirt error numbers (`virErrorNumber`) this package looks at. */
export const VirErr = {
  INTERNAL_ERROR: 1,
  NO_SUPPORT: 3,
  NO_CONNECT: 5,
  INVALID_ARG: 8,
  OPERATION_FAILED: 9,
  XML_ERROR: 27,
  DOM_EXIST: 28,
  OPERATION_DENIED: 29,
  NETWORK_EXIST: 37,
  SYSTEM_ERROR: 38,
  RPC: 39,
  NO_DOMAIN: 42,
  NO_NETWORK: 43,
  AUTH_FAILED: 45,
  NO_STORAGE_POOL: 49,
  NO_STORAGE_VOL: 50,
  OPERATION_INVALID: 55,
  CONFIG_UNSUPPORTED: 67,
  OPERATION_TIMEOUT: 68,
  ARGUMENT_UNSUPPORTED: 74,
  STORAGE_POOL_BUILT: 76,
  OPERATION_ABORTED: 78,
  AUTH_CANCELLED: 79,
  OPERATION_UNSUPPORTED: 84,
  AGENT_UNRESPONSIVE: 86,
  RESOURCE_BUSY: 87,
  ACCESS_DENIED: 88,
  STORAGE_VOL_EXIST: 90,
  XML_INVALID_SCHEMA: 92,
  AUTH_UNAVAILABLE: 94,
} as const;

/** Name of a libvirt error number, e.g. `VIR_ERR_NO_DOMAIN`, or `VIR_ERR_<n>` for unlisted ones. */
export function virErrorName(code: number): string {
  for (const [name, value] of Object.entries(VirErr)) if (value === code) return `VIR_ERR_${name}`;
  return `VIR_ERR_${code}`;
}

/** A decoded `remote_error` (the fields that carry information; `dom` and `net` are unused by libvirt). */
export interface RemoteError {
  /** `virErrorNumber`. */
  code: number;
  /** `virErrorDomain`: the part of libvirt that raised it. */
  domain: number;
  /** Human-readable message, when libvirt sent one. */
  message: string | null;
  /** `virErrorLevel`: 1 warning, 2 error. */
  level: number;
  /** Extra strings. */
  str1: string | null;
  /** Extra strings. */
  str2: string | null;
  /** Extra strings. */
  str3: string | null;
  /** Extra numbers. */
  int1: number;
  /** Extra numbers. */
  int2: number;
}

const STRING_MAX = 4 * 1024 * 1024;
const UUID_BYTES = 16;

/** Decodes a `remote_error` body. */
export function decodeRemoteError(reader: XdrReader): RemoteError {
  const code = reader.int();
  const domain = reader.int();
  const message = reader.optional((r) => r.string(STRING_MAX));
  const level = reader.int();
  reader.optional((r) => {
    r.string(STRING_MAX);
    r.fixedOpaque(UUID_BYTES);
    return r.int();
  });
  const str1 = reader.optional((r) => r.string(STRING_MAX));
  const str2 = reader.optional((r) => r.string(STRING_MAX));
  const str3 = reader.optional((r) => r.string(STRING_MAX));
  const int1 = reader.int();
  const int2 = reader.int();
  reader.optional((r) => {
    r.string(STRING_MAX);
    return r.fixedOpaque(UUID_BYTES);
  });
  return { code, domain, message, level, str1, str2, str3, int1, int2 };
}

interface Mapping {
  code: ErrorCode;
  hint: string;
}

function mappingFor(code: number): Mapping {
  switch (code) {
    case VirErr.NO_DOMAIN:
      return { code: 'IMS_VM_NOT_FOUND', hint: 'Check the VM name with `ims vm list`.' };
    case VirErr.NO_STORAGE_POOL:
      return {
        code: 'IMS_PROVIDER_ERROR',
        hint: "The storage pool does not exist on the libvirt host: check the configuration's pool option.",
      };
    case VirErr.NO_STORAGE_VOL:
      return {
        code: 'IMS_PROVIDER_ERROR',
        hint: 'The storage volume does not exist in the pool: it may have been deleted outside IMS.',
      };
    case VirErr.OPERATION_INVALID:
      return { code: 'IMS_INVALID_STATE', hint: 'Check the VM state with `ims vm show` and retry.' };
    case VirErr.DOM_EXIST:
    case VirErr.STORAGE_VOL_EXIST:
    case VirErr.NETWORK_EXIST:
      return { code: 'IMS_ALREADY_EXISTS', hint: 'Choose another name or remove the existing object first.' };
    case VirErr.AUTH_FAILED:
    case VirErr.AUTH_CANCELLED:
    case VirErr.AUTH_UNAVAILABLE:
    case VirErr.ACCESS_DENIED:
    case VirErr.OPERATION_DENIED:
      return {
        code: 'IMS_AUTH_FAILED',
        hint: 'Connect as a user allowed to manage libvirt (root or the libvirt group) with a read-write connection.',
      };
    case VirErr.NO_CONNECT:
      return {
        code: 'IMS_CONNECTION_FAILED',
        hint: 'Check that the hypervisor driver (libvirtd or virtqemud) is running on the host.',
      };
    case VirErr.OPERATION_TIMEOUT:
      return { code: 'IMS_TIMEOUT', hint: 'The hypervisor is busy; retry later.' };
    case VirErr.NO_SUPPORT:
    case VirErr.OPERATION_UNSUPPORTED:
      return {
        code: 'IMS_OPERATION_UNSUPPORTED',
        hint: 'This libvirt host or driver does not offer the operation.',
      };
    default:
      return {
        code: 'IMS_PROVIDER_ERROR',
        hint: "See libvirt's message; the libvirtd log on the host has more.",
      };
  }
}

/** Turns a libvirt error reply to procedure `procName` into an {@link ImsError}, keeping libvirt's message and code. */
export function remoteErrorToImsError(error: RemoteError, procName: string): ImsError {
  const mapping = mappingFor(error.code);
  const text = error.message ?? `libvirt error ${virErrorName(error.code)} without a message`;
  return new ImsError(mapping.code, `libvirt ${procName} failed: ${text}`, {
    hint: mapping.hint,
    details: {
      libvirtCode: error.code,
      libvirtCodeName: virErrorName(error.code),
      libvirtDomain: error.domain,
      libvirtMessage: error.message,
      procedure: procName,
    },
  });
}

/** The libvirt error number an error carries, if it came from a libvirt error reply. */
export function libvirtErrorCode(error: unknown): number | undefined {
  if (!isImsError(error)) return undefined;
  const code = error.details.libvirtCode;
  return typeof code === 'number' ? code : undefined;
}
