/**
 * `VBoxManage showvminfo VM --machinereadable`: `key="value"` lines with `"` and `\` escaped by a
 * backslash, unquoted numbers, some quoted keys, and some lines that are not key=value at all
 * (skipped). A quoted value left open at the end of a line continues on the next one.
 */

/** Keys an unquoted key may be made of (`memory`, `Forwarding(0)`, `hostonlyadapter1`, ...). */
const BARE_KEY = /^[A-Za-z0-9_.()/-]+$/;

/** The key=value pairs of machine-readable output; later duplicates win. */
export function parseMachineReadable(text: string): Map<string, string> {
  const values = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const key = readKey(line);
    if (key === undefined) continue;
    let rest = line.slice(key.end + 1);
    if (!rest.startsWith('"')) {
      // Unquoted values (numbers, `none`) run to the end of the line.
      if (rest.length > 0 && !rest.includes('"')) values.set(key.name, rest.trim());
      continue;
    }
    let quoted = readQuoted(rest, 0);
    let consumed = 0;
    while (quoted === 'unterminated' && index + consumed + 1 < lines.length) {
      consumed++;
      rest = `${rest}\n${lines[index + consumed]}`;
      quoted = readQuoted(rest, 0);
    }
    if (quoted === 'unterminated' || rest.slice(quoted.end).trim() !== '') continue;
    values.set(key.name, quoted.value);
    index += consumed;
  }
  return values;
}

/** The key of a line and the index of its `=`, or undefined when the line is not key=value. */
function readKey(line: string): { name: string; end: number } | undefined {
  if (line.startsWith('"')) {
    const quoted = readQuoted(line, 0);
    if (quoted === 'unterminated' || line[quoted.end] !== '=') return undefined;
    return { name: quoted.value, end: quoted.end };
  }
  const equals = line.indexOf('=');
  if (equals <= 0) return undefined;
  const name = line.slice(0, equals);
  return BARE_KEY.test(name) ? { name, end: equals } : undefined;
}

/** The unescaped content of the quoted string starting at `start`, and the index after its closing quote. */
function readQuoted(text: string, start: number): { value: string; end: number } | 'unterminated' {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      value += text[++i];
    } else if (c === '"') {
      return { value, end: i + 1 };
    } else {
      value += c;
    }
  }
  return 'unterminated';
}

/** The facts of one VM the provider reads from `showvminfo --machinereadable`. */
export interface MachineInfo {
  /** VM name. */
  name: string;
  /** VM UUID. */
  uuid: string;
  /** VirtualBox's state word (`poweroff`, `running`, `aborted-saved`, ...). */
  vmState: string;
  /** `VMStateChangeTime` in ms since the epoch (UTC), when present and readable. */
  stateChangedAt?: number;
  /** Memory in MiB. */
  memoryMiB: number;
  /** Virtual CPUs. */
  cpus: number;
  /** The settings file (`CfgFile`). */
  configFile?: string;
  /** NICs by slot (1-based), with their attachment type and MAC (lower case, colon-separated). */
  nics: MachineNic[];
  /** Every raw key=value pair, for anything else. */
  raw: ReadonlyMap<string, string>;
}

/** One NIC slot of a VM. */
export interface MachineNic {
  /** Slot number, from 1. */
  slot: number;
  /** Attachment: `nat`, `bridged`, `hostonly`, ... (`none` slots are left out). */
  attachment: string;
  /** MAC address, lower case with colons; undefined when VirtualBox shows none. */
  mac?: string;
}

/** The provider's view of `showvminfo --machinereadable` output. */
export function machineInfo(text: string): MachineInfo {
  const raw = parseMachineReadable(text);
  const nics: MachineNic[] = [];
  for (let slot = 1; slot <= 36; slot++) {
    const attachment = raw.get(`nic${slot}`);
    if (attachment === undefined || attachment === 'none') continue;
    const nic: MachineNic = { slot, attachment };
    const mac = macFromVBox(raw.get(`macaddress${slot}`));
    if (mac !== undefined) nic.mac = mac;
    nics.push(nic);
  }
  const info: MachineInfo = {
    name: raw.get('name') ?? '',
    uuid: raw.get('UUID') ?? '',
    vmState: raw.get('VMState') ?? 'unknown',
    memoryMiB: integer(raw.get('memory')),
    cpus: integer(raw.get('cpus')),
    nics,
    raw,
  };
  const changed = parseStateChangeTime(raw.get('VMStateChangeTime'));
  if (changed !== undefined) info.stateChangedAt = changed;
  const configFile = raw.get('CfgFile');
  if (configFile !== undefined) info.configFile = configFile;
  return info;
}

function integer(value: string | undefined): number {
  const parsed = Number.parseInt(value ?? '', 10);
  return Number.isFinite(parsed) ? parsed : 0;
}

/** `080027089D5F` → `08:00:27:08:9d:5f`; undefined for anything else. */
export function macFromVBox(value: string | undefined): string | undefined {
  if (value === undefined || !/^[0-9A-Fa-f]{12}$/.test(value)) return undefined;
  return value.toLowerCase().match(/../g)?.join(':');
}

/**
 * `VMStateChangeTime` (`2016-03-25T12:58:09.499000000`, UTC without a zone; some versions add `Z`)
 * in ms since the epoch.
 */
export function parseStateChangeTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$/.exec(value.trim());
  if (match === null) return undefined;
  const seconds = Date.parse(`${match[1]}Z`);
  if (Number.isNaN(seconds)) return undefined;
  const fraction = Number(`0.${match[2] ?? '0'}`);
  return seconds + Math.floor(fraction * 1000);
}
