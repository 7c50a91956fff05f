/**
 * VBoxManage's error block on stderr: every line prefixed `VBoxManage: error: `, the message
 * first, then `Details: code NAME (0x...), component ..., interface ...` and `Context: "..."`.
 */

/** The COM result codes the provider acts on. */
export const VBOX_RESULT = {
  OBJECT_NOT_FOUND: 'VBOX_E_OBJECT_NOT_FOUND',
  INVALID_VM_STATE: 'VBOX_E_INVALID_VM_STATE',
  FILE_ERROR: 'VBOX_E_FILE_ERROR',
  INVALID_OBJECT_STATE: 'VBOX_E_INVALID_OBJECT_STATE',
  OBJECT_IN_USE: 'VBOX_E_OBJECT_IN_USE',
} as const;

/** What an error block says. */
export interface VBoxErrorBlock {
  /** The message lines, without the prefix (never the Details or Context lines). */
  message: string;
  /** The result code's name, e.g. `VBOX_E_OBJECT_NOT_FOUND`. */
  resultName?: string;
  /** The result code's number, e.g. 0x80bb0001. */
  resultCode?: number;
  /** The component that failed, e.g. `VirtualBoxWrap`. */
  component?: string;
  /** The `Context:` line (the API call that failed). */
  context?: string;
}

const PREFIX = /^VBoxManage(?:\.exe)?: error: ?(.*)$/;
const DETAILS = /^Details: code (\w+) \((0x[0-9a-fA-F]+)\)(?:, component (\w+))?/;

/** True when stderr has at least one `VBoxManage: error:` line. */
export function hasErrorLine(stderr: string): boolean {
  return stderr.split(/\r?\n/).some((line) => PREFIX.test(line));
}

/** The error block in stderr, or undefined when it has none. */
export function parseErrorBlock(stderr: string): VBoxErrorBlock | undefined {
  const messages: string[] = [];
  const block: Partial<VBoxErrorBlock> = {};
  let found = false;
  for (const line of stderr.split(/\r?\n/)) {
    const match = PREFIX.exec(line);
    if (match === null) continue;
    found = true;
    const text = (match[1] as string).trimEnd();
    const details = DETAILS.exec(text);
    if (details !== null) {
      block.resultName = details[1] as string;
      block.resultCode = Number.parseInt(details[2] as string, 16);
      if (details[3] !== undefined) block.component = details[3];
    } else if (text.startsWith('Context: ')) {
      block.context = text.slice('Context: '.length);
    } else if (text !== '') {
      messages.push(text);
    }
  }
  if (!found) return undefined;
  return { ...block, message: messages.join('\n') };
}

/** True when the message is one of VirtualBox's "the machine is locked" messages. */
export function isLockMessage(message: string): boolean {
  return /already locked|while it is locked|is locked for a session|being (?:un)?locked/i.test(message);
}
