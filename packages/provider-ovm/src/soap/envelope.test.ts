import { isImsError } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { buildRequest, echo, parseReply, SoapFormatError, scalar, soapAction, struct } from './envelope.js';
import { faultError, faultPrefix } from './faults.js';
import { element, escapeXmlAttribute, escapeXmlText, renderXml } from './xml-builder.js';
import { childText, readXml } from './xml-reader.js';

const HOSTILE = [
  `</types:name><types:name>injected</types:name>`,
  `a & b < c > d "e" 'f'`,
  '<![CDATA[x]]>',
  '&amp; literally',
  'it\'s a "quoted" value with $(id) and `id`',
  'line one\r\nline two\rthree\tfour',
  ']]>',
  '<!-- comment -->',
  'ünïcödé ✓ 𝄞',
];

/** The text of `types:value` after a request travels through the reader, as the Manager would see it. */
function roundTrip(value: string): string {
  const request = buildRequest('echo', [scalar('value', value)]);
  const body = readXml(request).children[0];
  const payload = body?.children[0];
  return payload === undefined ? '<missing>' : (childText(payload, 'value') ?? '<missing>');
}

describe('request envelopes', () => {
  it('are SOAP 1.1 document/literal with every parameter in the types namespace', () => {
    const request = buildRequest('getVMByName', [scalar('serverPoolName', 'pool1'), scalar('name', 'vm1')]);
    expect(request).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>' +
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:types="http://oracle.ovs.api/types/" xmlns:lit="http://www.oracle.com/webservices/internal/literal">' +
        '<soap:Body><types:getVMByNameElement><types:serverPoolName>pool1</types:serverPoolName>' +
        '<types:name>vm1</types:name></types:getVMByNameElement></soap:Body></soap:Envelope>',
    );
  });

  it('leave out absent values and write numbers and booleans as text', () => {
    const request = buildRequest('op', [
      struct('cfg', scalar('mac', undefined), scalar('memory', 256), scalar('ha', false), scalar('id', 12n)),
    ]);
    expect(request).toContain(
      '<types:cfg><types:memory>256</types:memory><types:ha>false</types:ha><types:id>12</types:id></types:cfg>',
    );
  });

  it.each(HOSTILE)('carry the hostile string %j as text, byte for byte', (value) => {
    const request = buildRequest('echo', [scalar('value', value)]);
    expect(request).not.toContain('<types:name>injected');
    expect(roundTrip(value)).toBe(value);
  });

  it('refuse characters XML cannot carry instead of sending them', () => {
    for (const bad of ['nul\u0000', 'bell\u0007', 'lone \uD800 surrogate', '\uFFFE']) {
      let caught: unknown;
      try {
        buildRequest('echo', [scalar('value', bad)]);
      } catch (error) {
        caught = error;
      }
      expect(isImsError(caught) && caught.code).toBe('IMS_INVALID_ARGUMENT');
    }
  });

  it('send a received complex value back with the same fields in the same order', () => {
    const vm = readXml(
      '<ns2:result xmlns:ns2="http://oracle.ovs.api/types/"><ns2:imgName>a&amp;b</ns2:imgName>' +
        '<ns2:imgId>7</ns2:imgId><ns2:status><ns2:code>1</ns2:code><ns2:status>POWEREDOFF</ns2:status></ns2:status>' +
        '<ns2:imgIp></ns2:imgIp></ns2:result>',
    );
    expect(renderXml(echo('vm', vm))).toBe(
      '<types:vm><types:imgName>a&amp;b</types:imgName><types:imgId>7</types:imgId>' +
        '<types:status><types:code>1</types:code><types:status>POWEREDOFF</types:status></types:status>' +
        '<types:imgIp/></types:vm>',
    );
  });

  it('use the quoted SOAPAction with two slashes', () => {
    expect(soapAction('powerOn')).toBe('"http://oracle.ovs.api//powerOn"');
  });
});

describe('the element builder', () => {
  it('escapes attributes including quotes and whitespace', () => {
    expect(escapeXmlAttribute(`a"b'c<d>&\te\nf`)).toBe('a&quot;b&apos;c&lt;d&gt;&amp;&#9;e&#10;f');
    expect(escapeXmlText('x\r\ny')).toBe('x&#13;\ny');
  });

  it('refuses element names that are not XML names', () => {
    expect(() => element('a b')).toThrow(/Invalid XML name/);
    expect(() => element('x><y')).toThrow(/Invalid XML name/);
  });
});

describe('response parsing', () => {
  it('finds the results whatever namespace prefixes the server chose', () => {
    for (const [env, ns] of [
      ['soap', 'types'],
      ['S', 'ns2'],
      ['env', 'x'],
    ]) {
      const reply = parseReply(
        `<?xml version="1.0"?><${env}:Envelope xmlns:${env}="http://schemas.xmlsoap.org/soap/envelope/">` +
          `<${env}:Header/><${env}:Body><${ns}:getAllVMsResponseElement xmlns:${ns}="http://oracle.ovs.api/types/">` +
          `<${ns}:result><${ns}:imgName>one</${ns}:imgName></${ns}:result>\n  ` +
          `<${ns}:result><${ns}:imgName><![CDATA[t<w>o]]></${ns}:imgName></${ns}:result>` +
          `</${ns}:getAllVMsResponseElement></${env}:Body></${env}:Envelope>`,
        'getAllVMs',
      );
      expect(reply.kind).toBe('result');
      if (reply.kind !== 'result') return;
      expect(reply.results.map((r) => childText(r, 'imgName'))).toEqual(['one', 't<w>o']);
    }
  });

  it('gives an empty result list for a void operation', () => {
    const reply = parseReply(
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
        '<types:approveTemplateResponseElement xmlns:types="http://oracle.ovs.api/types/"/></soap:Body></soap:Envelope>',
      'approveTemplate',
    );
    expect(reply).toEqual({ kind: 'result', results: [] });
  });

  it('reads a SOAP fault with its code and message, entities decoded', () => {
    const reply = parseReply(
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>' +
        '<faultcode>soap:Server</faultcode><faultstring>OVM-1001 VM not found: a&lt;b&gt; &#x263A;</faultstring>' +
        '</soap:Fault></soap:Body></soap:Envelope>',
      'getVMByName',
    );
    expect(reply).toEqual({
      kind: 'fault',
      faultCode: 'soap:Server',
      faultString: 'OVM-1001 VM not found: a<b> ☺',
    });
  });

  it('refuses documents that are not well-formed, carry a DTD, or answer another operation', () => {
    const envelope = (body: string) =>
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;
    const cases = [
      '<html><body>Service Unavailable</body></html>',
      'not xml at all',
      envelope('<a><b></a>'),
      `<!DOCTYPE x [<!ENTITY a "aaaa">]>${envelope('<x:getVMResponseElement xmlns:x="y"/>')}`,
      envelope('<x:powerOnResponseElement xmlns:x="y"/>'),
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>',
    ];
    for (const text of cases) expect(() => parseReply(text, 'getVM'), text).toThrow(SoapFormatError);
  });
});

describe('faults', () => {
  it('map the stable OVM prefixes to IMS codes and keep the Manager’s message', () => {
    const cases = [
      ['OVM-1001 VM not found: x', 'IMS_VM_NOT_FOUND'],
      ['OVM-1002 Template not found: t', 'IMS_TEMPLATE_NOT_FOUND'],
      ['OVM-1003 Name already in use: x', 'IMS_ALREADY_EXISTS'],
      ['OVM-1004 Operation powerOn not allowed in state RUNNING', 'IMS_INVALID_STATE'],
      ['OVM-1006 Disk missing: /OVS/running_pool/1_x/System.img', 'IMS_PROVIDER_ERROR'],
      ['java.lang.NullPointerException', 'IMS_PROVIDER_ERROR'],
    ] as const;
    for (const [message, code] of cases) {
      const error = faultError(
        'powerOn',
        'http://m:8888/OVSWS/VirtualMachineService',
        'soap:Server',
        message,
      );
      expect(error.code).toBe(code);
      expect(error.message).toBe(`OVM Manager powerOn failed: ${message}`);
    }
    expect(faultPrefix('  OVM-1004 Operation x')).toBe('OVM-1004');
    expect(faultPrefix('OVM-10045 x')).toBeUndefined();
  });
});
