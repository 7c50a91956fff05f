import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SimVm } from './state/types.js';

/** Escapes text for an XML attribute value (quotes, markup, and line breaks kept as references). */
export function xmlAttr(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

/**
 * Writes a minimal `.vbox` settings file. Only its existence matters to VBoxManage's behaviour
 * (clone/create refuse an existing one); the simulator's real state lives in VBOXSIM_HOME.
 */
export async function writeSettingsFile(vm: SimVm): Promise<void> {
  await mkdir(dirname(vm.cfgFile), { recursive: true });
  const xml =
    '<?xml version="1.0"?>\n' +
    '<VirtualBox xmlns="http://www.virtualbox.org/" version="1.16-linux">\n' +
    `  <Machine uuid="{${xmlAttr(vm.uuid)}}" name="${xmlAttr(vm.name)}" OSType="${xmlAttr(vm.osType)}" snapshotFolder="Snapshots"/>\n` +
    '</VirtualBox>\n';
  await writeFile(vm.cfgFile, xml);
}

/**
 * The file-name form of a machine name: characters that are not portable in file names become `_`,
 * as VirtualBox's sanitiseMachineFilename does.
 */
export function sanitizeMachineFilename(name: string): string {
  // modelled: VirtualBox::i_sanitiseMachineFilename (illegal and control characters → '_')
  let safe = [...name]
    .map((c) => (c.charCodeAt(0) < 0x20 || c === '\u007f' || '/\\:*?"<>|'.includes(c) ? '_' : c))
    .join('');
  if (/^[.-]/.test(safe)) safe = `_${safe.slice(1)}`;
  return safe === '' ? '_' : safe;
}
