import { MAX_IDS_PER_CALL, STATUS_CODES } from '../../core/status-codes.ts';
import { escapeXml, FAULT_NS, PARTNER_NS, WSDL_NS, WSDL_SOAP_NS, XSD_NS } from '@sessiond/client/protocol';
import { elementsAt, EXTENDED_ERROR_DETAILS_SINCE, type PartnerElement, type PartnerTypeName } from './partner-versions.ts';

/**
 * The WSDL of one Partner API version for exactly the calls sessiond speaks, shaped like
 * Salesforce's (same namespaces, element names and order, service and port names), so toolkits
 * generate the same client. The answer types come from the version table.
 */
interface OperationSpec {
  name: string;
  /** login is the only call without a SessionHeader. */
  needsSession: boolean;
  faults: Array<'LoginFault' | 'UnexpectedErrorFault'>;
}

const OPERATION_SPECS: OperationSpec[] = [
  { name: 'login', needsSession: false, faults: ['LoginFault', 'UnexpectedErrorFault'] },
  { name: 'logout', needsSession: true, faults: ['UnexpectedErrorFault'] },
  { name: 'invalidateSessions', needsSession: true, faults: ['UnexpectedErrorFault'] },
  { name: 'getUserInfo', needsSession: true, faults: ['UnexpectedErrorFault'] },
  { name: 'getServerTimestamp', needsSession: true, faults: ['UnexpectedErrorFault'] },
];

/** One element declaration, attributes as the Partner WSDLs write them. */
function declare(e: PartnerElement): string {
  return (
    `<element name="${e.name}" type="${e.type}"` +
    (e.nillable ? ' nillable="true"' : '') +
    (e.optional ? ' minOccurs="0"' : '') +
    (e.repeated ? ' maxOccurs="unbounded"' : '') +
    '/>'
  );
}

function complexType(name: PartnerTypeName, version: number): string {
  const elements = elementsAt(name, version).map((e) => `\n    ${declare(e)}`).join('');
  return `\n   <complexType name="${name}"><sequence>${elements}\n   </sequence></complexType>`;
}

/** Every status code sessiond can send, as the enumeration Salesforce's WSDLs declare for codes. */
function codeEnumeration(name: 'ExceptionCode' | 'StatusCode'): string {
  const values = Object.keys(STATUS_CODES).map((code) => `<enumeration value="${code}"/>`);
  return `\n   <simpleType name="${name}"><restriction base="xsd:string">${values.join('')}</restriction></simpleType>`;
}

/** The schemas of the Partner WSDL for `version`, limited to the calls sessiond speaks. */
function schemas(version: number): string {
  const extended = version >= EXTENDED_ERROR_DETAILS_SINCE;
  return `
  <schema elementFormDefault="qualified" xmlns="${XSD_NS}" targetNamespace="${PARTNER_NS}">
   <simpleType name="ID"><restriction base="xsd:string"><length value="18"/><pattern value="[a-zA-Z0-9]{18}"/></restriction></simpleType>${codeEnumeration('StatusCode')}${
     extended
       ? `
   <simpleType name="ExtendedErrorCode"><restriction base="xsd:string"/></simpleType>
   <complexType name="ExtendedErrorDetails"><sequence>
    <element name="extendedErrorCode" type="tns:ExtendedErrorCode"/>
    <any namespace="##targetNamespace" minOccurs="0" maxOccurs="unbounded" processContents="lax"/>
   </sequence></complexType>`
       : ''
   }${complexType('GetUserInfoResult', version)}${complexType('LoginResult', version)}${complexType('Error', version)}${complexType(
     'InvalidateSessionsResult',
     version,
   )}${complexType('GetServerTimestampResult', version)}
   <element name="SessionHeader"><complexType><sequence>
    <element name="sessionId" type="xsd:string"/>
   </sequence></complexType></element>
   <element name="login"><complexType><sequence>
    <element name="username" type="xsd:string"/>
    <element name="password" type="xsd:string"/>
    <!-- sessiond's one addition: the project to sign into; stock clients leave it out. -->
    <element name="project" type="xsd:string" minOccurs="0"/>
   </sequence></complexType></element>
   <element name="loginResponse"><complexType><sequence>
    <element name="result" type="tns:LoginResult"/>
   </sequence></complexType></element>
   <element name="logout"><complexType><sequence/></complexType></element>
   <element name="logoutResponse"><complexType><sequence/></complexType></element>
   <element name="invalidateSessions"><complexType><sequence>
    <element name="sessionIds" type="xsd:string" minOccurs="0" maxOccurs="${MAX_IDS_PER_CALL}"/>
   </sequence></complexType></element>
   <element name="invalidateSessionsResponse"><complexType><sequence>
    <element name="result" type="tns:InvalidateSessionsResult" minOccurs="0" maxOccurs="unbounded"/>
   </sequence></complexType></element>
   <element name="getUserInfo"><complexType><sequence/></complexType></element>
   <element name="getUserInfoResponse"><complexType><sequence>
    <element name="result" type="tns:GetUserInfoResult"/>
   </sequence></complexType></element>
   <element name="getServerTimestamp"><complexType><sequence/></complexType></element>
   <element name="getServerTimestampResponse"><complexType><sequence>
    <element name="result" type="tns:GetServerTimestampResult"/>
   </sequence></complexType></element>
  </schema>
  <schema elementFormDefault="qualified" xmlns="${XSD_NS}" targetNamespace="${FAULT_NS}">${
    extended ? `\n   <import namespace="${PARTNER_NS}"/>` : ''
  }${codeEnumeration('ExceptionCode')}${complexType('ApiFault', version)}
   <complexType name="UnexpectedErrorFault"><complexContent><extension base="fns:ApiFault"/></complexContent></complexType>
   <complexType name="LoginFault"><complexContent><extension base="fns:ApiFault"/></complexContent></complexType>
   <element name="UnexpectedErrorFault" type="fns:UnexpectedErrorFault"/>
   <element name="LoginFault" type="fns:LoginFault"/>
  </schema>`;
}

function messages(): string {
  const perOperation = OPERATION_SPECS.map(
    ({ name }) =>
      ` <message name="${name}Request"><part element="tns:${name}" name="parameters"/></message>\n` +
      ` <message name="${name}Response"><part element="tns:${name}Response" name="parameters"/></message>`,
  );
  return [
    ' <message name="Header"><part element="tns:SessionHeader" name="SessionHeader"/></message>',
    ' <message name="UnexpectedErrorFault"><part element="fns:UnexpectedErrorFault" name="fault"/></message>',
    ' <message name="LoginFault"><part element="fns:LoginFault" name="fault"/></message>',
    ...perOperation,
  ].join('\n');
}

function portType(): string {
  const ops = OPERATION_SPECS.map(
    ({ name, faults }) =>
      `  <operation name="${name}"><input message="tns:${name}Request"/><output message="tns:${name}Response"/>` +
      faults.map((f) => `<fault message="tns:${f}" name="${f}"/>`).join('') +
      '</operation>',
  );
  return ` <portType name="Soap">\n${ops.join('\n')}\n </portType>`;
}

function binding(): string {
  const ops = OPERATION_SPECS.map(({ name, needsSession, faults }) => {
    const header = needsSession ? '<soap:header use="literal" message="tns:Header" part="SessionHeader"/>' : '';
    return (
      `  <operation name="${name}"><soap:operation soapAction=""/>` +
      `<input>${header}<soap:body use="literal" parts="parameters"/></input>` +
      '<output><soap:body use="literal"/></output>' +
      faults.map((f) => `<fault name="${f}"><soap:fault name="${f}" use="literal"/></fault>`).join('') +
      '</operation>'
    );
  });
  return (
    ' <binding name="SoapBinding" type="tns:Soap">\n' +
    '  <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>\n' +
    `${ops.join('\n')}\n </binding>`
  );
}

/** The WSDL of `version`, with the service address set to this server's endpoint for it. */
export function renderWsdl(version: number, endpointUrl: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions targetNamespace="${PARTNER_NS}" xmlns="${WSDL_NS}" xmlns:soap="${WSDL_SOAP_NS}" xmlns:xsd="${XSD_NS}" xmlns:tns="${PARTNER_NS}" xmlns:fns="${FAULT_NS}">
 <types>${schemas(version)}
 </types>
${messages()}
${portType()}
${binding()}
 <service name="SforceService">
  <documentation>sessiond: the Salesforce Partner API ${version}.0 session calls (login, logout, invalidateSessions, getUserInfo, getServerTimestamp)</documentation>
  <port binding="tns:SoapBinding" name="Soap"><soap:address location="${escapeXml(endpointUrl)}"/></port>
 </service>
</definitions>
`;
}
