/**
 * The SOAP client against a small HTTP server on 127.0.0.1 playing the Manager: what goes on the
 * wire (Basic auth, SOAPAction, envelope), and how each transport failure is reported.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ImsError, Logger } from '@ims/spi';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { imsRejection } from '../../core/test/rejection.js';
import { KEEP_ALIVE_IDLE_MS, SoapClient, type SoapClientOptions } from '../src/soap/client.js';
import { scalar } from '../src/soap/envelope.js';
import { childText } from '../src/soap/xml-reader.js';

const PASSWORD = 's3cret-Pa55';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (request: Seen, response: ServerResponse, raw: IncomingMessage) => void;

let server: Server;
let base: string;
let handler: Handler;
const seen: Seen[] = [];

function envelope(body: string): string {
  return `<?xml version="1.0"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>${body}</S:Body></S:Envelope>`;
}

function answer(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/xml; charset=utf-8' });
  response.end(body);
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(entry);
      handler(entry, response, request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  seen.length = 0;
});

function client(overrides: Partial<SoapClientOptions> = {}): SoapClient {
  return new SoapClient({
    managerUrl: base,
    username: 'admin',
    password: PASSWORD,
    timeoutMs: 2_000,
    signal: new AbortController().signal,
    logger: quiet,
    ...overrides,
  });
}

function expectNoSecret(error: ImsError): void {
  const shown = `${error.message} ${error.hint ?? ''} ${JSON.stringify(error.details)}`;
  expect(shown).not.toContain(PASSWORD);
  expect(shown).not.toContain(Buffer.from(`admin:${PASSWORD}`).toString('base64'));
}

describe('SoapClient', () => {
  it('posts a document/literal envelope with Basic auth and the quoted SOAPAction, and returns the results', async () => {
    handler = (_request, response) =>
      answer(
        response,
        200,
        envelope(
          '<ns2:getVMByNameResponseElement xmlns:ns2="http://oracle.ovs.api/types/"><ns2:result><ns2:imgName>vm&amp;1</ns2:imgName></ns2:result></ns2:getVMByNameResponseElement>',
        ),
      );
    const soap = client();
    try {
      const results = await soap.call('VirtualMachineService', 'getVMByName', [scalar('name', 'vm&1')], {
        readOnly: true,
      });
      expect(results.map((r) => childText(r, 'imgName'))).toEqual(['vm&1']);
      const [request] = seen;
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe('/OVSWS/VirtualMachineService');
      expect(request?.headers.authorization).toBe(
        `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`,
      );
      expect(request?.headers.soapaction).toBe('"http://oracle.ovs.api//getVMByName"');
      expect(request?.headers['content-type']).toBe('text/xml; charset=utf-8');
      expect(request?.body).toContain('<types:getVMByNameElement><types:name>vm&amp;1</types:name>');
    } finally {
      soap.close();
    }
  });

  it('reuses one keep-alive connection for consecutive calls', async () => {
    const ports = new Set<number>();
    handler = (_request, response, raw) => {
      ports.add(raw.socket.remotePort ?? 0);
      answer(response, 200, envelope('<x:getAllVMsResponseElement xmlns:x="y"/>'));
    };
    const soap = client();
    try {
      for (let i = 0; i < 3; i += 1)
        await soap.call('VirtualMachineService', 'getAllVMs', [], { readOnly: true });
      expect(ports.size).toBe(1);
    } finally {
      soap.close();
    }
  });

  it('does not send a change over a connection idle long enough for the Manager to be closing it', async () => {
    // A server closes an idle keep-alive connection after its own timeout (5 s for many); a change
    // sent over it just then is lost with ECONNRESET, and a change is never sent twice. So a
    // connection idle for more than a moment is not reused: the change goes over a new one.
    const ports: number[] = [];
    handler = (_request, response, raw) => {
      ports.push(raw.socket.remotePort ?? 0);
      answer(response, 200, envelope('<x:startVMResponseElement xmlns:x="y"/>'));
    };
    const soap = client();
    try {
      await soap.call('VirtualMachineService', 'startVM', [], { readOnly: false });
      await soap.call('VirtualMachineService', 'startVM', [], { readOnly: false });
      await new Promise((resolve) => setTimeout(resolve, KEEP_ALIVE_IDLE_MS + 500));
      await soap.call('VirtualMachineService', 'startVM', [], { readOnly: false });
      expect(ports[1]).toBe(ports[0]);
      expect(ports[2]).not.toBe(ports[1]);
    } finally {
      soap.close();
    }
  });

  it('reports HTTP 401 as IMS_AUTH_FAILED naming the user, never the password', async () => {
    handler = (_request, response) => {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="OVSWS"' });
      response.end();
    };
    const soap = client();
    try {
      const error = await imsRejection(
        soap.call('ServerPoolService', 'getServerPoolByName', [], { readOnly: true }),
      );
      expect(error.code).toBe('IMS_AUTH_FAILED');
      expect(error.message).toContain('user "admin"');
      expectNoSecret(error);
    } finally {
      soap.close();
    }
  });

  it('reports a SOAP fault with the Manager’s message and the mapped code', async () => {
    handler = (_request, response) =>
      answer(
        response,
        500,
        envelope(
          '<S:Fault><faultcode>S:Server</faultcode><faultstring>OVM-1004 Operation powerOn not allowed in state RUNNING</faultstring></S:Fault>',
        ),
      );
    const soap = client();
    try {
      const error = await imsRejection(
        soap.call('VirtualMachineService', 'powerOn', [], { readOnly: false }),
      );
      expect(error.code).toBe('IMS_INVALID_STATE');
      expect(error.message).toBe(
        'OVM Manager powerOn failed: OVM-1004 Operation powerOn not allowed in state RUNNING',
      );
    } finally {
      soap.close();
    }
  });

  it('reports an HTTP error without a SOAP body as IMS_PROVIDER_ERROR with the status', async () => {
    handler = (_request, response) => {
      response.writeHead(503, { 'Content-Type': 'text/html' });
      response.end('<html><body>down for maintenance</body></html>');
    };
    const soap = client();
    try {
      const error = await imsRejection(
        soap.call('ResourceService', 'approveTemplate', [], { readOnly: false }),
      );
      expect(error.code).toBe('IMS_PROVIDER_ERROR');
      expect(error.message).toContain('HTTP 503');
    } finally {
      soap.close();
    }
  });

  it('reports a dropped connection as IMS_CONNECTION_FAILED naming the URL, and does not resend a change', async () => {
    handler = (_request, _response, raw) => raw.socket.destroy();
    const soap = client();
    try {
      const error = await imsRejection(
        soap.call('ResourceService', 'registerTemplate', [], { readOnly: false }),
      );
      expect(error.code).toBe('IMS_CONNECTION_FAILED');
      expect(error.message).toContain(`${base}/OVSWS/ResourceService`);
      expect(error.hint).toMatch(/OVM Manager is running/);
      expect(seen).toHaveLength(1);
    } finally {
      soap.close();
    }
  });

  it('reports a Manager that does not answer in time as IMS_CONNECTION_FAILED', async () => {
    handler = () => {};
    const soap = client({ timeoutMs: 200 });
    try {
      const started = Date.now();
      const error = await imsRejection(soap.call('VirtualMachineService', 'getVM', [], { readOnly: true }));
      expect(error.code).toBe('IMS_CONNECTION_FAILED');
      expect(error.message).toContain('did not answer getVM within 200 ms');
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      soap.close();
    }
  });

  it('reports a refused connection as IMS_CONNECTION_FAILED with a hint to check the Manager', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const soap = client({ managerUrl: `http://127.0.0.1:${port}` });
    try {
      const error = await imsRejection(
        soap.call('ServerPoolService', 'getAllServerPools', [], { readOnly: true }),
      );
      expect(error.code).toBe('IMS_CONNECTION_FAILED');
      expect(error.message).toBe(
        `Cannot reach the OVM Manager at http://127.0.0.1:${port}/OVSWS/ServerPoolService (getAllServerPools): connection refused.`,
      );
      expect(error.hint).toContain(`managerUrl (http://127.0.0.1:${port})`);
      expectNoSecret(error);
    } finally {
      soap.close();
    }
  });

  it('stops a call when the abort signal fires, with IMS_ABORTED', async () => {
    handler = () => {};
    const controller = new AbortController();
    const soap = client({ signal: controller.signal, timeoutMs: 10_000 });
    try {
      setTimeout(() => controller.abort(), 50);
      const error = await imsRejection(soap.call('VirtualMachineService', 'getVM', [], { readOnly: true }));
      expect(error.code).toBe('IMS_ABORTED');
      // A clean-up call still goes through after the cancel.
      handler = (_request, response) =>
        answer(response, 200, envelope('<x:deleteTemplateResponseElement xmlns:x="y"/>'));
      await expect(
        soap.call('ResourceService', 'deleteTemplate', [], { readOnly: false, uncancellable: true }),
      ).resolves.toEqual([]);
    } finally {
      soap.close();
    }
  });

  it('never sends credentials written into managerUrl, and never shows them', async () => {
    handler = (_request, response) => {
      response.writeHead(401);
      response.end();
    };
    const soap = client({ managerUrl: base.replace('http://', `http://intruder:${PASSWORD}@`) });
    try {
      const error = await imsRejection(
        soap.call('ServerPoolService', 'getAllServerPools', [], { readOnly: true }),
      );
      expect(seen[0]?.headers.authorization).toBe(
        `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`,
      );
      expectNoSecret(error);
      expect(error.message).not.toContain('intruder');
    } finally {
      soap.close();
    }
  });
});
