/** Escapes `"` and `\` with a backslash, as VBoxManage's outputMachineReadableString does. */
export function escapeMachineReadable(value: string): string {
  // confirmed: reference "Output formats" (showvminfo: `"` and `\` escaped by a backslash)
  return value.replace(/["\\]/g, (c) => `\\${c}`);
}

/** Builds `key="value"` lines; keys containing `-` or `=` are quoted the way VBoxManage does it. */
export class MachineReadable {
  private text = '';

  /** `key="value"`. */
  str(key: string, value: string, quoteKey = false): this {
    const k = quoteKey ? `"${escapeMachineReadable(key)}"` : key;
    this.text += `${k}="${escapeMachineReadable(value)}"\n`;
    return this;
  }

  /** `key=123` (numbers are unquoted). */
  num(key: string, value: number): this {
    this.text += `${key}=${value}\n`;
    return this;
  }

  /** `key="on"|"off"`. */
  bool(key: string, value: boolean): this {
    return this.str(key, value ? 'on' : 'off');
  }

  /** A line printed verbatim (the odd ones that are not key=value). */
  raw(line: string): this {
    this.text += `${line}\n`;
    return this;
  }

  /** The lines so far. */
  toString(): string {
    return this.text;
  }
}
