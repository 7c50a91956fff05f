import type { SimVersion } from './versions.js';

/** VirtualBox result codes the simulator reports. */
// confirmed: reference "Errors and exit codes" (result code values)
export const RESULT_CODES = {
  VBOX_E_OBJECT_NOT_FOUND: 0x80bb0001,
  VBOX_E_INVALID_VM_STATE: 0x80bb0002,
  VBOX_E_FILE_ERROR: 0x80bb0004,
  VBOX_E_IPRT_ERROR: 0x80bb0005,
  VBOX_E_INVALID_OBJECT_STATE: 0x80bb0007,
  VBOX_E_OBJECT_IN_USE: 0x80bb000c,
  E_INVALIDARG: 0x80070057,
} as const;

/** Name of a {@link RESULT_CODES} entry. */
export type ResultCodeName = keyof typeof RESULT_CODES;

/** Where a COM error came from, as the `Details:` line names it. */
export interface ErrorOrigin {
  /** The component without the `Wrap` suffix 5.x+ adds, e.g. `VirtualBox`, `Machine`, `Console`. */
  component: string;
  /** Interface, e.g. `IVirtualBox`. */
  iface: string;
  /** Callee, e.g. `nsISupports`. */
  callee?: string;
}

/** A failed API call: printed as the `VBoxManage: error:` block with Details and Context, exit 1. */
export class ApiError extends Error {
  /** The message lines, each prefixed on output. */
  readonly lines: string[];

  constructor(
    message: string,
    readonly code: ResultCodeName,
    readonly origin: ErrorOrigin,
    /** The `Context:` call text and where VBoxManage made it. */
    readonly context: { call: string; line: number; file: string },
  ) {
    super(message);
    this.lines = message.split('\n');
  }
}

/** A failure VBoxManage reports with plain `VBoxManage: error:` lines (no Details), exit 1 by default. */
export class PlainError extends Error {
  constructor(
    message: string,
    /** Exit code (some commands print an error and still exit 0 or 2). */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A syntax error: a usage excerpt and the message, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage is shown. */
    readonly command: string,
  ) {
    super(message);
  }
}

const PREFIX = 'VBoxManage: error: ';

/** Prefixes every line of a message the way VBoxManage's RTMsgError does. */
export function errorLines(message: string): string {
  return message
    .split('\n')
    .map((line) => `${PREFIX}${line}\n`)
    .join('');
}

/** The stderr block of an {@link ApiError}. */
export function formatApiError(error: ApiError, version: SimVersion): string {
  const hex = `0x${RESULT_CODES[error.code].toString(16).padStart(8, '0')}`;
  // modelled: 4.x names the implementation class, 5.x+ the generated API wrapper ("MachineWrap")
  const component = version.major >= 5 ? `${error.origin.component}Wrap` : error.origin.component;
  const callee = error.origin.callee ?? 'nsISupports';
  // confirmed: reference "Errors and exit codes" (the Details and Context line layout)
  return (
    errorLines(error.message) +
    `${PREFIX}Details: code ${error.code} (${hex}), component ${component}, interface ${error.origin.iface}, callee ${callee}\n` +
    `${PREFIX}Context: "${error.context.call}" at line ${error.context.line} of file ${error.context.file}\n`
  );
}
