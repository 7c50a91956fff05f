import * as soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OvmManagerSimulator } from '../../src/simulator/index.js';
import {
  basic,
  bodyPayload,
  child,
  NS,
  type NsElement,
  parseNs,
  rawCall,
  startTestSimulator,
  textOf,
} from './helpers.js';

let sim: OvmManagerSimulator;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ sim, stop } = await startTestSimulator({ poolName: 'lab&pool', masterIp: '127.0.0.1' }));
});
afterAll(async () => {
  await stop();
});

function everyElement(el: NsElement): NsElement[] {
  return [el, ...el.children.flatMap(everyElement)];
}

describe('WSDL', () => {
  it('is served at <Service>.wsdl and ?wsdl with the confirmed shape', async () => {
    const res = await fetch(`${sim.url}/OVSWS/VirtualMachineService.wsdl`, {
      headers: { authorization: basic() },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const viaQuery = await fetch(`${sim.url}/OVSWS/VirtualMachineService?wsdl`, {
      headers: { authorization: basic() },
    });
    expect(await viaQuery.text()).toBe(text);

    const defs = parseNs(text);
    expect(defs.name).toBe('definitions');
    const attrs = text.slice(0, text.indexOf('>', text.indexOf('<wsdl:definitions')));
    expect(attrs).toContain(`targetNamespace="${NS.tns}"`);

    const schemas = everyElement(defs).filter((e) => e.name === 'schema');
    expect(schemas.length).toBe(2);
    expect(text).toContain(`<xsd:schema targetNamespace="${NS.types}" elementFormDefault="qualified">`);
    expect(text).toContain(`<xsd:schema targetNamespace="${NS.lit}" elementFormDefault="qualified">`);

    const soapOps = everyElement(defs).filter((e) => e.name === 'operation' && e.ns.endsWith('/wsdl/soap/'));
    expect(soapOps.length).toBeGreaterThan(10);
    expect(text).toContain('soapAction="http://oracle.ovs.api//getVMByName"');
    expect(text).toContain('soapAction="http://oracle.ovs.api//powerOn"');
    expect(text).toContain('<xsd:element name="getVMByNameElement">');
    expect(text).toContain('<xsd:element name="getVMByNameResponseElement">');
    expect(text).toContain('<wsdl:part name="parameters" element="types:getVMByNameElement"/>');
    expect(text).toContain('<soap:binding style="document"');
    expect(text).toContain('<soap:body use="literal" parts="parameters"/>');
    expect(text).toContain(`location="${sim.url}/OVSWS/VirtualMachineService"`);
    // the numbered overload of getAllVMs
    expect(text).toContain('soapAction="http://oracle.ovs.api//getAllVMs2"');
  });

  it('answers 404 for an unknown service', async () => {
    const res = await fetch(`${sim.url}/OVSWS/NoSuchService.wsdl`, { headers: { authorization: basic() } });
    expect(res.status).toBe(404);
  });
});

describe('SOAP over plain HTTP', () => {
  it('getAllServerPools returns the pool, every element qualified in the types namespace', async () => {
    const reply = await rawCall(sim.url, 'ServerPoolService', 'getAllServerPools');
    expect(reply.status).toBe(200);
    expect(reply.contentType).toContain('text/xml');
    const payload = bodyPayload(reply.text);
    expect(payload.ns).toBe(NS.types);
    expect(payload.name).toBe('getAllServerPoolsResponseElement');
    const results = payload.children;
    expect(results.map((r) => r.name)).toEqual(['result']);
    for (const el of everyElement(payload)) expect(el.ns).toBe(NS.types);
    const pool = results[0] as NsElement;
    expect(pool.children.map((c) => c.name)).toEqual([
      'haEnable',
      'description',
      'status',
      'serverPoolId',
      'serverPoolName',
    ]);
    expect(textOf(pool, 'serverPoolName')).toBe('lab&pool');
    expect(textOf(pool, 'haEnable')).toBe('false');
    expect(reply.text).toContain('lab&amp;pool');
  });

  it('getMasterServer returns the master with its ip and a lit:list vmList', async () => {
    const inner =
      '<types:serverPool><types:serverPoolName>lab&amp;pool</types:serverPoolName></types:serverPool>';
    const reply = await rawCall(sim.url, 'ServerPoolService', 'getMasterServer', inner);
    expect(reply.status).toBe(200);
    const result = child(bodyPayload(reply.text), 'result');
    expect(textOf(result, 'ip')).toBe('127.0.0.1');
    expect(child(result, 'vmList').ns).toBe(NS.types);
    expect(result.children.some((c) => c.name === 'loginPassword' || c.name === 'agentPwd')).toBe(false);
  });

  it('getVirtualServerMetrics puts cpuUtil entries in the lit namespace', async () => {
    const reply = await rawCall(
      sim.url,
      'ServerPoolService',
      'getVirtualServerMetrics',
      '<types:virtualServerIDList>1</types:virtualServerIDList>',
    );
    const result = child(bodyPayload(reply.text), 'result');
    const entries = child(result, 'cpuUtil').children;
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entry.ns).toBe(NS.lit);
      expect(entry.name).toBe('mapEntry');
      expect(entry.children.map((c) => [c.ns, c.name])).toEqual([
        [NS.lit, 'key'],
        [NS.lit, 'value'],
      ]);
    }
  });

  it('getVMByName of an unknown VM is a plain soap:Fault with HTTP 500', async () => {
    const inner = '<types:serverPoolName>lab&amp;pool</types:serverPoolName><types:name>ghost</types:name>';
    const reply = await rawCall(sim.url, 'VirtualMachineService', 'getVMByName', inner);
    expect(reply.status).toBe(500);
    const fault = bodyPayload(reply.text);
    expect([fault.ns, fault.name]).toEqual([NS.soap, 'Fault']);
    expect(textOf(fault, 'faultcode')).toBe('soap:Server');
    expect(textOf(fault, 'faultstring')).toBe('OVM-1001 VM not found: ghost');
    expect(fault.children.some((c) => c.name === 'detail')).toBe(false);
  });

  it('an unknown pool is OVM-1005', async () => {
    const reply = await rawCall(
      sim.url,
      'ServerPoolService',
      'getServerPoolByName',
      '<types:poolName>other</types:poolName>',
    );
    expect(reply.status).toBe(500);
    expect(textOf(bodyPayload(reply.text), 'faultstring')).toBe('OVM-1005 Server pool not found: other');
  });

  it('a void operation answers an empty ResponseElement; an unknown SOAPAction is a fault', async () => {
    const reply = await rawCall(sim.url, 'ResourceService', 'importTemplateFromUrl', '');
    expect(textOf(bodyPayload(reply.text), 'faultstring')).toMatch(
      /^OVM-1007 .*not supported by the simulator/,
    );
    const unknown = await rawCall(sim.url, 'ServerPoolService', 'getAllServerPools', '', {
      action: '"http://oracle.ovs.api//noSuchOp"',
    });
    expect(unknown.status).toBe(500);
    expect(textOf(bodyPayload(unknown.text), 'faultstring')).toMatch(/^OVM-1007 Unknown SOAPAction/);
  });

  it('refuses requests without or with wrong credentials with 401 and a Basic challenge', async () => {
    for (const auth of [null, basic('admin', 'wrong'), basic('nobody', 'admin'), 'Bearer x']) {
      const reply = await rawCall(sim.url, 'ServerPoolService', 'getAllServerPools', '', { auth });
      expect(reply.status).toBe(401);
      expect(reply.text).toBe('');
    }
    const res = await fetch(`${sim.url}/OVSWS/ServerPoolService.wsdl`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="OVSWS"');
  });
});

describe('a generated soap client', () => {
  it('consumes the WSDL and calls operations', async () => {
    const client = await soap.createClientAsync(`${sim.url}/OVSWS/VirtualMachineService?wsdl`, {
      wsdl_headers: { authorization: basic() },
    });
    client.setSecurity(new soap.BasicAuthSecurity('admin', 'admin'));
    await expect(client.getVMByNameAsync({ serverPoolName: 'lab&pool', name: 'ghost' })).rejects.toThrow(
      /OVM-1001 VM not found: ghost/,
    );
    const [all] = (await client.getAllVMsAsync({ serverPool: { serverPoolName: 'lab&pool' } })) as [unknown];
    expect(all === null || typeof all === 'object').toBe(true);

    const pools = await soap.createClientAsync(`${sim.url}/OVSWS/ServerPoolService?wsdl`, {
      wsdl_headers: { authorization: basic() },
    });
    pools.setSecurity(new soap.BasicAuthSecurity('admin', 'admin'));
    const [reply] = (await pools.getAllServerPoolsAsync({})) as [{ result: unknown }];
    const poolList = (Array.isArray(reply.result) ? reply.result : [reply.result]) as {
      serverPoolName: string;
    }[];
    expect(poolList.map((p) => p.serverPoolName)).toEqual(['lab&pool']);
    const [version] = (await pools.getAgentVersionAsync({ serverId: 1 })) as [{ result: string }];
    expect(version.result).toBe('2.2-simulated');
    expect(pools.lastRequest).toContain('getAgentVersionElement');
  });
});
