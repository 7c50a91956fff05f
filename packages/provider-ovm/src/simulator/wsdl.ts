/**
 * The simulated OVM Manager's web-service surface as one table (namespaces, types, services and
 * operations) and the WSDL text generated from it.
 */
import { xmlEscape } from './xml-escape.js';

/** The namespaces of the OVM 2.2 web services. */
export const OVM_NS = {
  // confirmed: reference "Web services — confirmed wire format" (port types, schema types, collections)
  tns: 'http://oracle.ovs.api/',
  types: 'http://oracle.ovs.api/types/',
  lit: 'http://www.oracle.com/webservices/internal/literal',
  soapEnvelope: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsdl: 'http://schemas.xmlsoap.org/wsdl/',
  wsdlSoap: 'http://schemas.xmlsoap.org/wsdl/soap/',
  xsd: 'http://www.w3.org/2001/XMLSchema',
} as const;

/** A field's type: an XSD scalar, a collection of the `lit` namespace, or a complex type of the table. */
export type FieldType =
  | 'string'
  | 'long'
  | 'int'
  | 'boolean'
  | 'anyType'
  | 'list'
  | 'map'
  | { complex: string };

/** One element of a sequence (a type's field, an operation's parameter or result). */
export interface FieldSpec {
  /** Element name. */
  name: string;
  /** Its type. */
  type: FieldType;
  /** May be left out (absent or null). */
  optional?: boolean;
  /** Repeats (an array). */
  many?: boolean;
}

/** A complex type of the `types` namespace. */
export interface TypeSpec {
  /** Type name. */
  name: string;
  /** Fields in sequence order. */
  fields: readonly FieldSpec[];
  /** The type it extends, if any. */
  base?: string;
}

/** One operation: parameters in order and the result (absent for void operations). */
export interface OperationSpec {
  /** Operation name as on the wire. */
  name: string;
  /** Parameters in order. */
  params: readonly FieldSpec[];
  /** The `result` element's type; `many` for arrays. */
  result?: { type: FieldType; many?: boolean };
}

/** One web service. */
export interface ServiceSpec {
  /** Service name, also the last path segment of its endpoint. */
  name: string;
  /** Its operations. */
  operations: readonly OperationSpec[];
}

const str = (name: string, optional = true): FieldSpec => ({ name, type: 'string', optional });
const long = (name: string): FieldSpec => ({ name, type: 'long' });
const int = (name: string, optional = false): FieldSpec => ({ name, type: 'int', optional });
const bool = (name: string): FieldSpec => ({ name, type: 'boolean' });
const ref = (name: string, complex: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  type: { complex },
  optional: true,
  ...extra,
});

/** The complex types, fields in the reference's sequence order. */
export const OVM_TYPES: readonly TypeSpec[] = [
  // confirmed: reference "Types" (ServerPool, VirtualServer, VirtualMachine, VmStatus, VirtualServerMetrics)
  {
    name: 'ServerPool',
    fields: [
      bool('haEnable'),
      str('description'),
      str('status'),
      long('serverPoolId'),
      str('serverPoolName'),
      str('serverPoolVirtualIP'),
    ],
  },
  {
    name: 'VirtualServer',
    fields: [
      str('comments'),
      str('platform'),
      long('memAmount'),
      str('supportHVM'),
      str('serverType'),
      str('loginUsername'),
      str('status'),
      str('serverTypeDisplay'),
      long('memFree'),
      long('serverId'),
      { name: 'vmList', type: 'list', optional: true },
      ref('serverPool', 'ServerPool'),
      str('architecture'),
      long('hdAmount'),
      str('loginPassword'),
      str('agentPwd'),
      str('serverName'),
      str('location'),
      str('ip'),
      long('cpuNum'),
      long('hdFree'),
    ],
  },
  { name: 'MasterVirtualServer', base: 'VirtualServer', fields: [] },
  // modelled: the reference writes `bootDevice{bootDevice}` / `virtualMachineType{vmType}`; the type names are ours
  { name: 'BootDevice', fields: [str('bootDevice')] },
  { name: 'VirtualMachineType', fields: [str('vmType')] },
  { name: 'VmStatus', fields: [int('code'), str('status'), long('vmId')] },
  {
    name: 'VirtualMachine',
    fields: [
      str('imgName'),
      str('comments'),
      long('imgId'),
      ref('bootDevice', 'BootDevice'),
      str('imgSize'),
      str('vncPassword'),
      int('maximumMemory'),
      str('publish'),
      int('cpuNumber'),
      bool('haEnable'),
      str('uuid'),
      str('operatingSystemName'),
      long('createTime'),
      long('parentImg'),
      str('systemPassword'),
      str('location'),
      int('memory'),
      str('systemLogin'),
      str('platform'),
      str('deploy'),
      ref('status', 'VmStatus'),
      int('vncPort'),
      str('imgIp'),
      long('poweronTime'),
      str('architecture'),
      ref('virtualMachineType', 'VirtualMachineType'),
      str('keyboardLayout'),
      bool('pvdriver'),
      int('cpuCap', true),
      int('cpuPriority', true),
    ],
  },
  {
    name: 'VirtualServerMetrics',
    fields: [
      long('freeDiskSpace'),
      long('virtualServerID'),
      long('cpuSpeedMHZ'),
      long('freeMemory'),
      long('allocatedVCpu'),
      long('totalMemory'),
      long('numOfPhysicalCPU'),
      str('virtualServerName'),
      { name: 'cpuUtil', type: 'map', optional: true },
    ],
  },
  // modelled: NICConfig's fields (the reference names only the type)
  { name: 'NICConfig', fields: [str('mac'), str('bridge')] },
  {
    name: 'TemplateVmConfig',
    fields: [
      // confirmed: reference "AbstractVMConfig: serverPool, preferredServers[], diskConf, vif (NICConfig[])"
      ref('serverPool', 'ServerPool'),
      ref('preferredServers', 'VirtualServer', { many: true }),
      { name: 'diskConf', type: 'anyType', optional: true },
      ref('vif', 'NICConfig', { many: true }),
      // modelled: the template-specific fields (contract "TemplateVmConfig fields")
      str('templateName'),
      str('vmName'),
      int('memory'),
      int('cpuNumber'),
      str('vmPassword'),
    ],
  },
];

const vmParam: FieldSpec = ref('vm', 'VirtualMachine');
const poolParam: FieldSpec = ref('serverPool', 'ServerPool');
const vmResult = { type: { complex: 'VirtualMachine' } } as const;

// modelled: the power operations' names (the reference lists what the service covers, not the names)
const POWER_OPERATIONS = [
  'powerOn',
  'powerOff',
  'shutdown',
  'suspend',
  'resume',
  'pause',
  'unpause',
  'reboot',
];

/** The four services and their operations (contract "Operations"). */
export const OVM_SERVICES: readonly ServiceSpec[] = [
  {
    name: 'ServerPoolService',
    // confirmed: reference "ServerPoolService (confirmed operation list, excerpt)"
    operations: [
      { name: 'getAllServerPools', params: [], result: { type: { complex: 'ServerPool' }, many: true } },
      { name: 'getServerPoolByName', params: [str('poolName')], result: { type: { complex: 'ServerPool' } } },
      { name: 'getMasterServer', params: [poolParam], result: { type: { complex: 'MasterVirtualServer' } } },
      {
        name: 'getAllMembers',
        params: [poolParam],
        result: { type: { complex: 'VirtualServer' }, many: true },
      },
      {
        name: 'getVirtualServerMetrics',
        params: [{ name: 'virtualServerIDList', type: 'long', optional: true, many: true }],
        result: { type: { complex: 'VirtualServerMetrics' }, many: true },
      },
      { name: 'getAgentVersion', params: [long('serverId')], result: { type: 'string' } },
    ],
  },
  {
    name: 'VirtualMachineService',
    operations: [
      // confirmed: reference "VirtualMachineService" names; getAllVMs2 is the numbered overload
      { name: 'getVMByName', params: [str('serverPoolName'), str('name')], result: vmResult },
      { name: 'getVM', params: [vmParam], result: vmResult },
      { name: 'getAllVMs', params: [poolParam], result: { ...vmResult, many: true } },
      {
        name: 'getAllVMs2',
        params: [ref('virtualServer', 'VirtualServer')],
        result: { ...vmResult, many: true },
      },
      { name: 'getRealPath', params: [vmParam], result: { type: 'string' } },
      { name: 'deleteVMByVMId', params: [long('vmId')] },
      ...POWER_OPERATIONS.map((name) => ({ name, params: [vmParam], result: vmResult })),
    ],
  },
  {
    name: 'LifecycleService',
    operations: [
      // confirmed: reference "LifecycleService: createVmBasedOnTemplate(TemplateVmConfig) → VirtualMachine"
      {
        name: 'createVmBasedOnTemplate',
        params: [ref('templateVmConfig', 'TemplateVmConfig')],
        result: vmResult,
      },
    ],
  },
  {
    name: 'ResourceService',
    operations: [
      // confirmed: reference "ResourceService" names; modelled: getAllDiscoverableTemplates' result type
      {
        name: 'getAllDiscoverableTemplates',
        params: [str('serverPoolName')],
        result: { type: 'string', many: true },
      },
      // modelled: registerTemplate (name not confirmed)
      { name: 'registerTemplate', params: [str('serverPoolName'), str('templateName')], result: vmResult },
      { name: 'approveTemplate', params: [str('serverPoolName'), str('templateName')] },
      {
        name: 'getAllTemplateResources',
        params: [str('serverPoolName')],
        result: { ...vmResult, many: true },
      },
      { name: 'deleteTemplate', params: [str('serverPoolName'), str('templateName')] },
      // modelled: importTemplateFromUrl (name not confirmed; answers with a fault in the simulator)
      {
        name: 'importTemplateFromUrl',
        params: [str('serverPoolName'), str('templateName'), str('url')],
      },
    ],
  },
];

/** The service spec called `name`, if any. */
export function serviceSpec(name: string): ServiceSpec | undefined {
  return OVM_SERVICES.find((s) => s.name === name);
}

/** The complex type called `name`; throws for a name missing from the table (a bug). */
export function typeSpec(name: string): TypeSpec {
  const spec = OVM_TYPES.find((t) => t.name === name);
  if (spec === undefined) throw new Error(`the WSDL table has no type ${name}`);
  return spec;
}

/** The SOAPAction of an operation (unquoted): the port-type namespace, a slash, the name. */
export function soapActionOf(operation: string): string {
  // confirmed: reference "SOAPAction: "http://oracle.ovs.api//{op}" (two slashes)"
  return `${OVM_NS.tns}/${operation}`;
}

function typeRef(type: FieldType): string {
  if (typeof type === 'object') return `types:${type.complex}`;
  if (type === 'list' || type === 'map') return `lit:${type}`;
  return `xsd:${type}`;
}

function elementXml(field: FieldSpec): string {
  const attrs = [`name="${xmlEscape(field.name)}"`, `type="${xmlEscape(typeRef(field.type))}"`];
  if (field.optional || field.many) attrs.push('minOccurs="0"');
  if (field.many) attrs.push('maxOccurs="unbounded"');
  if (field.optional && (typeof field.type === 'object' || field.type === 'string'))
    attrs.push('nillable="true"');
  return `<xsd:element ${attrs.join(' ')}/>`;
}

function sequenceXml(fields: readonly FieldSpec[]): string {
  return `<xsd:sequence>${fields.map(elementXml).join('')}</xsd:sequence>`;
}

function complexTypeXml(type: TypeSpec): string {
  const name = xmlEscape(type.name);
  if (type.base !== undefined) {
    return (
      `<xsd:complexType name="${name}"><xsd:complexContent>` +
      `<xsd:extension base="types:${xmlEscape(type.base)}">${sequenceXml(type.fields)}</xsd:extension>` +
      `</xsd:complexContent></xsd:complexType>`
    );
  }
  return `<xsd:complexType name="${name}">${sequenceXml(type.fields)}</xsd:complexType>`;
}

function operationElementsXml(op: OperationSpec): string {
  const request = `<xsd:element name="${xmlEscape(op.name)}Element"><xsd:complexType>${sequenceXml(op.params)}</xsd:complexType></xsd:element>`;
  const resultFields: FieldSpec[] =
    op.result === undefined
      ? []
      : [{ name: 'result', type: op.result.type, optional: true, ...(op.result.many ? { many: true } : {}) }];
  const response = `<xsd:element name="${xmlEscape(op.name)}ResponseElement"><xsd:complexType>${sequenceXml(resultFields)}</xsd:complexType></xsd:element>`;
  return request + response;
}

function literalSchemaXml(): string {
  // confirmed: reference "Collections: list = item* (anyType), map = mapEntry* each with key, value"
  return (
    `<xsd:schema targetNamespace="${OVM_NS.lit}" elementFormDefault="qualified">` +
    `<xsd:complexType name="list"><xsd:sequence><xsd:element name="item" type="xsd:anyType" minOccurs="0" maxOccurs="unbounded"/></xsd:sequence></xsd:complexType>` +
    `<xsd:complexType name="map"><xsd:sequence><xsd:element name="mapEntry" type="lit:mapEntry" minOccurs="0" maxOccurs="unbounded"/></xsd:sequence></xsd:complexType>` +
    `<xsd:complexType name="mapEntry"><xsd:sequence><xsd:element name="key" type="xsd:anyType"/><xsd:element name="value" type="xsd:anyType"/></xsd:sequence></xsd:complexType>` +
    `</xsd:schema>`
  );
}

/**
 * The WSDL of `service` with its endpoint at `endpointUrl`: document/literal, BARE, one part
 * named `parameters`, `{op}Element` / `{op}ResponseElement`, qualified `types` elements.
 */
export function renderWsdl(service: ServiceSpec, endpointUrl: string): string {
  const svc = xmlEscape(service.name);
  // modelled: the names of messages, binding and port (OC4J-like); the reference confirms only the shape
  const messages = service.operations
    .map((op) => {
      const name = xmlEscape(op.name);
      return (
        `<wsdl:message name="${svc}_${name}"><wsdl:part name="parameters" element="types:${name}Element"/></wsdl:message>` +
        `<wsdl:message name="${svc}_${name}Response"><wsdl:part name="parameters" element="types:${name}ResponseElement"/></wsdl:message>`
      );
    })
    .join('');
  const portOps = service.operations
    .map((op) => {
      const name = xmlEscape(op.name);
      return `<wsdl:operation name="${name}"><wsdl:input message="tns:${svc}_${name}"/><wsdl:output message="tns:${svc}_${name}Response"/></wsdl:operation>`;
    })
    .join('');
  const bindingOps = service.operations
    .map((op) => {
      const name = xmlEscape(op.name);
      const body = '<soap:body use="literal" parts="parameters"/>';
      return (
        `<wsdl:operation name="${name}"><soap:operation soapAction="${xmlEscape(soapActionOf(op.name))}"/>` +
        `<wsdl:input>${body}</wsdl:input><wsdl:output>${body}</wsdl:output></wsdl:operation>`
      );
    })
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<wsdl:definitions name="${svc}" targetNamespace="${OVM_NS.tns}" xmlns:wsdl="${OVM_NS.wsdl}" ` +
    `xmlns:tns="${OVM_NS.tns}" xmlns:types="${OVM_NS.types}" xmlns:lit="${OVM_NS.lit}" ` +
    `xmlns:xsd="${OVM_NS.xsd}" xmlns:soap="${OVM_NS.wsdlSoap}">` +
    `<wsdl:types>` +
    `<xsd:schema targetNamespace="${OVM_NS.types}" elementFormDefault="qualified">` +
    `<xsd:import namespace="${OVM_NS.lit}"/>` +
    OVM_TYPES.map(complexTypeXml).join('') +
    service.operations.map(operationElementsXml).join('') +
    `</xsd:schema>` +
    literalSchemaXml() +
    `</wsdl:types>` +
    messages +
    `<wsdl:portType name="${svc}">${portOps}</wsdl:portType>` +
    `<wsdl:binding name="${svc}SoapHttp" type="tns:${svc}">` +
    `<soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${bindingOps}</wsdl:binding>` +
    `<wsdl:service name="${svc}"><wsdl:port name="${svc}SoapHttpPort" binding="tns:${svc}SoapHttp">` +
    `<soap:address location="${xmlEscape(endpointUrl)}"/></wsdl:port></wsdl:service>` +
    `</wsdl:definitions>\n`
  );
}

/** The port name the WSDL gives `service` (soap's service map is keyed by it). */
export function portNameOf(service: string): string {
  return `${service}SoapHttpPort`;
}
