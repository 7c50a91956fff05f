/** Shared fixtures of the simulator tests: temp roots, templates, raw SOAP calls, polling. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import {
  type OvmManagerSimulator,
  type OvmManagerSimulatorOptions,
  startOvmManagerSimulator,
} from '../../src/simulator/index.js';

/** Namespaces the wire format uses. */
export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  types: 'http://oracle.ovs.api/types/',
  tns: 'http://oracle.ovs.api/',
  lit: 'http://www.oracle.com/webservices/internal/literal',
} as const;

/** The package directory (for dist paths). */
export const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Fails with instructions when the compiled simulator is missing (shims and the bin run compiled JS). */
export function requireCompiledSimulator(): void {
  const shim = join(PACKAGE_DIR, 'dist', 'simulator', 'dom0', 'shim-cli.js');
  if (!existsSync(shim)) {
    throw new Error(
      `${shim} is missing: compile the package first with \`npx tsc -p packages/provider-ovm/tsconfig.json\``,
    );
  }
}

/** A fresh temp directory; `cleanup` removes it. */
export async function tempRoot(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'ovm-sim-test-'));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The vm.cfg the test templates carry: comments, unknown keys, a multi-line disk list. */
export function templateVmCfg(ovsRoot: string, name: string): string {
  const dir = join(ovsRoot, 'seed_pool', name);
  return [
    '# template vm.cfg — a comment that must survive',
    `name = '${name}'`,
    'memory = 256',
    'vcpus = 1',
    "bootloader = '/usr/bin/pygrub'",
    `disk = ['file:${dir}/System.img,xvda,w',`,
    `        'file:${dir}/Bootparams.img,xvdc,r']`,
    "vif = ['mac=00:16:3e:00:00:01, bridge=xenbr0']",
    "on_crash = 'restart'",
    "custom_key = 'kept as is'  # trailing comment",
    '',
  ].join('\n');
}

/** Writes `seed_pool/<name>/` with vm.cfg, System.img and (optionally) a placeholder Bootparams.img. */
export async function writeTemplate(ovsRoot: string, name: string, withBootImage = true): Promise<string> {
  const dir = join(ovsRoot, 'seed_pool', name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'vm.cfg'), templateVmCfg(ovsRoot, name));
  await writeFile(join(dir, 'System.img'), Buffer.alloc(4096));
  await writeFile(join(dir, 'README'), 'test template\n');
  if (withBootImage) await writeFile(join(dir, 'Bootparams.img'), Buffer.alloc(2048));
  return dir;
}

/** Starts a simulator on a temp root with short delays; `stop` also removes the root. */
export async function startTestSimulator(
  extra: Partial<OvmManagerSimulatorOptions> = {},
): Promise<{ sim: OvmManagerSimulator; root: string; logs: string[]; stop: () => Promise<void> }> {
  const { root, cleanup } = await tempRoot();
  const logs: string[] = [];
  const sim = await startOvmManagerSimulator({
    ovsRoot: root,
    delays: { bootMs: 60, transitionMs: 60 },
    log: (line) => logs.push(line),
    ...extra,
  });
  return {
    sim,
    root,
    logs,
    stop: async () => {
      await sim.stop();
      await cleanup();
    },
  };
}

/** Basic credentials of the default user. */
export function basic(user = 'admin', password = 'admin'): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A raw SOAP request envelope: `<types:{op}Element>` with `inner` (already-escaped XML). */
export function envelope(op: string, inner = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${NS.soap}" xmlns:types="${NS.types}">` +
    `<soap:Body><types:${op}Element>${inner}</types:${op}Element></soap:Body></soap:Envelope>`
  );
}

/** The answer of a raw SOAP call. */
export interface RawReply {
  /** HTTP status. */
  status: number;
  /** Body text. */
  text: string;
  /** Content-Type. */
  contentType: string;
}

/** POSTs a raw SOAP request with the contract's SOAPAction (override with `action`). */
export async function rawCall(
  baseUrl: string,
  service: string,
  op: string,
  inner = '',
  options: { auth?: string | null; action?: string } = {},
): Promise<RawReply> {
  const headers: Record<string, string> = {
    'content-type': 'text/xml; charset=utf-8',
    soapaction: options.action ?? `"http://oracle.ovs.api//${op}"`,
  };
  const auth = options.auth === undefined ? basic() : options.auth;
  if (auth !== null) headers.authorization = auth;
  const res = await fetch(`${baseUrl}/OVSWS/${service}`, {
    method: 'POST',
    headers,
    body: envelope(op, inner),
  });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

/** An element with its resolved namespace, local name, text and children. */
export interface NsElement {
  /** Namespace URI ('' when none). */
  ns: string;
  /** Local name. */
  name: string;
  /** Concatenated direct text. */
  text: string;
  /** Child elements in order. */
  children: NsElement[];
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const orderedParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  trimValues: false,
});

function resolve(node: OrderedNode, scope: Record<string, string>): NsElement | undefined {
  const tag = Object.keys(node).find((k) => k !== ':@');
  if (tag === undefined || tag === '#text' || tag.startsWith('?')) return undefined;
  const attrs = node[':@'] ?? {};
  const inner: Record<string, string> = { ...scope };
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'xmlns') inner[''] = v;
    else if (k.startsWith('xmlns:')) inner[k.slice(6)] = v;
  }
  const colon = tag.indexOf(':');
  const prefix = colon < 0 ? '' : tag.slice(0, colon);
  const content = (node[tag] as OrderedNode[]) ?? [];
  return {
    ns: inner[prefix] ?? '',
    name: colon < 0 ? tag : tag.slice(colon + 1),
    text: content
      .filter((c) => '#text' in c)
      .map((c) => String(c['#text']))
      .join(''),
    children: content.map((c) => resolve(c, inner)).filter((c): c is NsElement => c !== undefined),
  };
}

/** Parses XML into namespace-resolved elements; returns the root. */
export function parseNs(xml: string): NsElement {
  const nodes = orderedParser.parse(xml) as OrderedNode[];
  const root = nodes.map((n) => resolve(n, {})).find((n) => n !== undefined);
  if (root === undefined) throw new Error('no root element');
  return root;
}

/** The child called `name` (any namespace); throws when absent. */
export function child(el: NsElement, name: string): NsElement {
  const found = el.children.find((c) => c.name === name);
  if (found === undefined)
    throw new Error(`<${el.name}> has no <${name}> (has ${el.children.map((c) => c.name)})`);
  return found;
}

/** The payload element of a SOAP response (first child of Body). */
export function bodyPayload(xml: string): NsElement {
  const env = parseNs(xml);
  const payload = child(env, 'Body').children[0];
  if (payload === undefined) throw new Error('empty SOAP Body');
  return payload;
}

/** The text of `el`'s child `name`. */
export function textOf(el: NsElement, name: string): string {
  return child(el, name).text;
}

/** Calls `op` and returns its `result` elements; throws with the fault text when it faults. */
export async function callResults(
  baseUrl: string,
  service: string,
  op: string,
  inner = '',
): Promise<NsElement[]> {
  const reply = await rawCall(baseUrl, service, op, inner);
  const payload = bodyPayload(reply.text);
  if (payload.name === 'Fault') throw new Error(textOf(payload, 'faultstring'));
  if (reply.status !== 200) throw new Error(`HTTP ${reply.status}`);
  return payload.children.filter((c) => c.name === 'result');
}

/** Calls `op` expecting a fault; returns the faultstring. */
export async function callFault(baseUrl: string, service: string, op: string, inner = ''): Promise<string> {
  const reply = await rawCall(baseUrl, service, op, inner);
  const payload = bodyPayload(reply.text);
  if (payload.name !== 'Fault') throw new Error(`${op} did not fault: ${reply.text}`);
  return textOf(payload, 'faultstring');
}

/** Re-serializes a received element in the `types` namespace (how a client passes a VM back). */
export function echoXml(el: NsElement): string {
  const inner = el.children.length === 0 ? escapeText(el.text) : el.children.map(echoXml).join('');
  return `<types:${el.name}>${inner}</types:${el.name}>`;
}

/** XML-escapes text. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
