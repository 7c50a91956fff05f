import { readFile } from 'node:fs/promises';

/** One regular file of a tar archive. */
export interface TarEntry {
  /** Path inside the archive. */
  name: string;
  /** Contents. */
  data: Buffer;
}

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
}

/** Reads the regular files of a (ustar) tar archive such as an OVA; throws on a malformed archive. */
export async function readTar(path: string): Promise<TarEntry[]> {
  const buf = await readFile(path);
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + 512 <= buf.length) {
    const header = buf.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw new Error('bad tar header');
    const prefix = field(header, 345, 155);
    const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const type = String.fromCharCode(header[156] ?? 48);
    const start = offset + 512;
    if (start + size > buf.length) throw new Error('truncated tar archive');
    if (type === '0' || type === '\0') entries.push({ name, data: buf.subarray(start, start + size) });
    offset = start + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** What the simulator reads from an OVF descriptor. */
export interface OvfSystem {
  /** VirtualSystem ovf:id. */
  name: string;
  /** VirtualBox OS type id, if the descriptor names one. */
  osType: string | undefined;
  /** Virtual CPUs. */
  cpus: number;
  /** Memory in MiB. */
  memory: number;
  /** Disk file names (hrefs) in reference order. */
  disks: string[];
}

function xmlText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function itemQuantity(ovf: string, resourceType: number): number | undefined {
  for (const item of ovf.match(/<(?:ovf:)?Item\b[\s\S]*?<\/(?:ovf:)?Item>/g) ?? []) {
    if (new RegExp(`<rasd:ResourceType>\\s*${resourceType}\\s*<`).test(item)) {
      const q = /<rasd:VirtualQuantity>\s*(\d+)\s*</.exec(item)?.[1];
      if (q) return Number(q);
    }
  }
  return undefined;
}

/** Reads the first VirtualSystem of an OVF descriptor (a tolerant scan, not a full XML parser). */
export function parseOvf(ovf: string): OvfSystem {
  const name = /<VirtualSystem\b[^>]*\bovf:id="([^"]*)"/.exec(ovf)?.[1];
  if (name === undefined) throw new Error('no VirtualSystem in the OVF descriptor');
  const disks = [...ovf.matchAll(/<File\b[^>]*\bovf:href="([^"]*)"/g)].map((m) => xmlText(m[1]!));
  return {
    name: xmlText(name),
    osType: /<vbox:OSType\b[^>]*>([^<]*)</.exec(ovf)?.[1],
    cpus: itemQuantity(ovf, 3) ?? 1,
    memory: itemQuantity(ovf, 4) ?? 512,
    disks,
  };
}
