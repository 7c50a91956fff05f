/**
 * The one catalogue of IMS errors. Every failure that crosses the SPI carries a stable `code`
 * from here; scripts and tests key on the code, people read the message and the hint.
 */

/** How a failure is classified; the CLI turns it into an exit code (see `docs/cli.md`). */
export type ErrorCategory =
  /** the operation was tried and failed (exit 1) */
  | 'failed'
  /** the request itself is wrong: bad flag, bad name, bad value (exit 2) */
  | 'usage'
  /** a named configuration, template, VM or provider does not exist (exit 3) */
  | 'not-found'
  /** the provider's plugin is missing, invalid or incompatible (exit 4) */
  | 'plugin';

/** Every error code with its category. Codes are stable: add new ones, never rename. */
export const ERROR_CODES = {
  /** A configuration, template or VM name does not match the naming rule. */
  IMS_INVALID_NAME: 'usage',
  /** A flag, argument or option value is malformed or out of range. */
  IMS_INVALID_ARGUMENT: 'usage',
  /** Provider options do not satisfy the provider's config schema. */
  IMS_CONFIG_INVALID: 'usage',
  /** Boot parameters are malformed, collide, or exceed the size limit. */
  IMS_BOOTPARAMS_INVALID: 'usage',
  /** No configuration with that name. */
  IMS_CONFIG_NOT_FOUND: 'not-found',
  /** No template with that name in the configuration. */
  IMS_TEMPLATE_NOT_FOUND: 'not-found',
  /** No virtual machine with that name. */
  IMS_VM_NOT_FOUND: 'not-found',
  /** No installed package provides that provider id. */
  IMS_PROVIDER_NOT_FOUND: 'not-found',
  /** A configuration, template or VM with that name already exists. */
  IMS_ALREADY_EXISTS: 'failed',
  /** A package's `ims` manifest field is malformed. */
  IMS_PLUGIN_MANIFEST_INVALID: 'plugin',
  /** A provider's SPI range does not include the host's SPI version. */
  IMS_PLUGIN_SPI_INCOMPATIBLE: 'plugin',
  /** The manifest's entry file does not exist. */
  IMS_PLUGIN_ENTRY_MISSING: 'plugin',
  /** Importing the entry threw. */
  IMS_PLUGIN_IMPORT_FAILED: 'plugin',
  /** The entry's default export is not a plugin made by `defineProvider()`. */
  IMS_PLUGIN_NOT_A_PROVIDER: 'plugin',
  /** Two installed packages claim the same provider id. */
  IMS_PLUGIN_DUPLICATE: 'plugin',
  /** `ims plugin install|remove` could not do its work. */
  IMS_PLUGIN_INSTALL_FAILED: 'failed',
  /** The provider does not offer this operation (capability flag off, or not built yet). */
  IMS_OPERATION_UNSUPPORTED: 'failed',
  /** The VM is in a state that does not allow the operation. */
  IMS_INVALID_STATE: 'failed',
  /** The hypervisor, manager or SSH host cannot be reached. */
  IMS_CONNECTION_FAILED: 'failed',
  /** Credentials were refused. */
  IMS_AUTH_FAILED: 'failed',
  /** The SSH host presented a key that is not in known_hosts, and none was pinned or accepted. */
  IMS_HOST_KEY_UNKNOWN: 'failed',
  /** The SSH host presented a key different from the known or pinned one. Never overridden. */
  IMS_HOST_KEY_MISMATCH: 'failed',
  /** A command (local or remote) exited non-zero or could not start. */
  IMS_COMMAND_FAILED: 'failed',
  /** An archive entry would escape the target or is of a forbidden type. */
  IMS_ARCHIVE_UNSAFE: 'failed',
  /** An archive is truncated, corrupt or not a tar/tgz. */
  IMS_ARCHIVE_CORRUPT: 'failed',
  /** The operation did not finish within its time limit. */
  IMS_TIMEOUT: 'failed',
  /** The operation was cancelled through its abort signal. */
  IMS_ABORTED: 'failed',
  /** The state store could not be locked in time (another ims process holds it). */
  IMS_STATE_LOCKED: 'failed',
  /** The state file was written by a newer IMS. */
  IMS_STATE_TOO_NEW: 'failed',
  /** The state file cannot be read or parsed. */
  IMS_STATE_CORRUPT: 'failed',
  /** Reading or writing a local file failed (no space, permissions); the system's reason is in the message. */
  IMS_IO_FAILED: 'failed',
  /**
   * A program the provider needs is not installed where its configuration points (e.g.
   * `VBoxManage` on the VirtualBox host): like a missing plugin, IMS cannot work here until it is.
   */
  IMS_TOOL_MISSING: 'plugin',
  /** The hypervisor reported an error that fits no other code; its own message is kept. */
  IMS_PROVIDER_ERROR: 'failed',
  /** A bug in IMS or a provider: an invariant did not hold. */
  IMS_INTERNAL: 'failed',
} as const satisfies Record<string, ErrorCategory>;

/** A stable IMS error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Brand that marks IMS errors; a symbol from the global registry so it holds across copies of this package. */
const IMS_ERROR_BRAND: unique symbol = Symbol.for('ims.error') as never;

/** Options of an {@link ImsError}. */
export interface ImsErrorOptions {
  /** What the user can do about it, one sentence. */
  hint?: string;
  /** The underlying error. */
  cause?: unknown;
  /** Structured facts for `--json` output and tests (never secrets). */
  details?: Record<string, unknown>;
}

/** The error class every IMS failure is, or is wrapped into. */
export class ImsError extends Error {
  /** Brand checked by {@link isImsError}. */
  readonly [IMS_ERROR_BRAND] = true;
  /** Stable code from {@link ERROR_CODES}. */
  readonly code: ErrorCode;
  /** What the user can do about it. */
  readonly hint: string | undefined;
  /** Structured facts about the failure. */
  readonly details: Record<string, unknown>;

  /** @param code stable code; @param message what failed and why */
  constructor(code: ErrorCode, message: string, options: ImsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ImsError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  /** The category of this error's code. */
  get category(): ErrorCategory {
    return ERROR_CODES[this.code];
  }
}

/** True for an {@link ImsError} from any copy of this package (brand check, not `instanceof`). */
export function isImsError(value: unknown): value is ImsError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[IMS_ERROR_BRAND] === true &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (value as { code: string }).code in ERROR_CODES
  );
}

/** The category of any thrown value: an unknown error counts as `failed`. */
export function categoryOf(error: unknown): ErrorCategory {
  return isImsError(error) ? ERROR_CODES[error.code] : 'failed';
}
