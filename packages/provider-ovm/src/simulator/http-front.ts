/**
 * The simulator's HTTP side: Basic auth on every request, the WSDLs, the fault-injection
 * endpoint, injected faults, then the SOAP request handed to `soap`'s listener.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { type FaultInjector, parseFaultSpec } from './fault-injection.js';
import { otherFailure } from './faults.js';
import { OVM_NS, renderWsdl, type ServiceSpec, serviceSpec, soapActionOf } from './wsdl.js';
import { xmlEscape } from './xml-escape.js';

/** What the front needs to answer requests. */
export interface FrontOptions {
  /** User name → password accepted by Basic auth. */
  users: Readonly<Record<string, string>>;
  /** The armed faults. */
  faults: FaultInjector;
  /** The (not listening) server `soap.listen` attached its listeners to. */
  soapHost: Server;
  /** The base URL used in WSDLs when the request's Host header is unusable. */
  defaultBaseUrl: string;
  /** Log lines (never credentials). */
  log: (line: string) => void;
}

const MAX_BODY_BYTES = 4 * 2 ** 20;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** True when the request carries Basic credentials of one of `users`. */
export function isAuthorized(req: IncomingMessage, users: Readonly<Record<string, string>>): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (match === null) return false;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const expected = Object.hasOwn(users, user) ? users[user] : undefined;
  if (expected === undefined) return false;
  return timingSafeEqual(digest(decoded.slice(colon + 1)), digest(expected));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A plain SOAP 1.1 fault envelope (used where `soap` is not involved). */
export function faultEnvelope(message: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${OVM_NS.soapEnvelope}"><soap:Body>` +
    `<soap:Fault><faultcode>soap:Server</faultcode><faultstring>${xmlEscape(message)}</faultstring></soap:Fault>` +
    `</soap:Body></soap:Envelope>`
  );
}

function sendFault(res: ServerResponse, message: string): void {
  res.writeHead(500, { 'content-type': 'text/xml; charset=utf-8' });
  res.end(faultEnvelope(message));
}

function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body === '' ? undefined : `${body}\n`);
}

function baseUrlOf(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  return host !== undefined && /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host)
    ? `http://${host}`
    : fallback;
}

const bodyParser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true });

/** The operation a SOAP request names: by SOAPAction, else by its body element. */
function operationOf(req: IncomingMessage, body: string, service: ServiceSpec): string {
  let parsed: Record<string, unknown>;
  try {
    parsed = bodyParser.parse(body, true) as Record<string, unknown>;
  } catch (error) {
    throw otherFailure(`Malformed request: ${(error as Error).message}`);
  }
  const header = req.headers.soapaction;
  const action = (Array.isArray(header) ? header[0] : header)?.trim().replace(/^"(.*)"$/, '$1') ?? '';
  if (action !== '') {
    const op = service.operations.find((o) => soapActionOf(o.name) === action);
    if (op === undefined) throw otherFailure(`Unknown SOAPAction ${action} for ${service.name}`);
    return op.name;
  }
  const envelope = parsed.Envelope as Record<string, unknown> | undefined;
  const payload = envelope?.Body;
  const element = typeof payload === 'object' && payload !== null ? Object.keys(payload)[0] : undefined;
  const op = service.operations.find((o) => `${o.name}Element` === element);
  if (op === undefined)
    throw otherFailure(`Unknown request element ${element ?? '(none)'} for ${service.name}`);
  return op.name;
}

async function handleSoap(
  req: IncomingMessage,
  res: ServerResponse,
  service: ServiceSpec,
  options: FrontOptions,
): Promise<void> {
  const body = await readBody(req);
  let operation: string;
  try {
    operation = operationOf(req, body.toString('utf8'), service);
  } catch (error) {
    options.log(`${service.name}: ${(error as Error).message}`);
    sendFault(res, (error as Error).message);
    return;
  }
  for (const fault of options.faults.take(operation)) {
    if (fault.kind === 'latency') {
      await new Promise((resolve) => setTimeout(resolve, fault.ms ?? 0));
    } else if (fault.kind === 'http500') {
      options.log(`${operation}: injected HTTP 500`);
      sendText(res, 500, 'Internal Server Error (injected by the simulator)');
      return;
    } else {
      options.log(`${operation}: injected connection drop`);
      req.socket.destroy();
      return;
    }
  }
  options.log(`${service.name}.${operation}`);
  // soap's listener takes a body already read from `req.body`.
  (req as IncomingMessage & { body?: Buffer }).body = body;
  options.soapHost.emit('request', req, res);
}

async function handleFaultEndpoint(
  req: IncomingMessage,
  res: ServerResponse,
  options: FrontOptions,
): Promise<void> {
  if (req.method === 'DELETE') {
    options.faults.clear();
    sendText(res, 204, '');
    return;
  }
  if (req.method !== 'POST') {
    sendText(res, 405, 'use POST (inject) or DELETE (clear)');
    return;
  }
  try {
    const spec = parseFaultSpec(JSON.parse((await readBody(req)).toString('utf8')));
    options.faults.inject(spec);
    sendText(res, 204, '');
  } catch (error) {
    sendText(res, 400, `invalid fault: ${(error as Error).message}`);
  }
}

/** Answers one HTTP request. */
export async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: FrontOptions,
): Promise<void> {
  if (!isAuthorized(req, options.users)) {
    // modelled: OC4J-like 401 with a Basic challenge and no SOAP body (contract "Transport")
    res.writeHead(401, { 'www-authenticate': 'Basic realm="OVSWS"', 'content-length': '0' });
    res.end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  if (url.pathname === '/sim/faults') {
    await handleFaultEndpoint(req, res, options);
    return;
  }
  // confirmed: reference "WSDL: http://<manager>:8888/OVSWS/<Service>.wsdl"; modelled: the endpoint without `.wsdl`
  const match = /^\/OVSWS\/([A-Za-z]+?)(\.wsdl)?\/?$/.exec(url.pathname);
  const service = match === null ? undefined : serviceSpec(match[1] ?? '');
  if (service === undefined) {
    sendText(res, 404, `no such service: ${url.pathname}`);
    return;
  }
  const wantsWsdl = match?.[2] !== undefined || url.search.toLowerCase() === '?wsdl';
  if (req.method === 'GET' && wantsWsdl) {
    const endpoint = `${baseUrlOf(req, options.defaultBaseUrl)}/OVSWS/${service.name}`;
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
    res.end(renderWsdl(service, endpoint));
    return;
  }
  if (req.method === 'POST' && match?.[2] === undefined) {
    await handleSoap(req, res, service, options);
    return;
  }
  sendText(res, 405, 'POST SOAP requests to the endpoint, GET the WSDL');
}
