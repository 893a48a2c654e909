import { MAX_IDS_PER_CALL } from '../../core/status-codes.ts';
import { escapeXml, FAULT_NS, PARTNER_NS, WSDL_NS, WSDL_SOAP_NS, XSD_NS } from '@sessiond/client/protocol';

/**
 * The WSDL for exactly the calls sessiond speaks, shaped like the Partner WSDL (same
 * namespaces, element names, service and port names), so toolkits generate the same client.
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

const SCHEMA = `
  <schema elementFormDefault="qualified" xmlns="${XSD_NS}" targetNamespace="${PARTNER_NS}">
   <simpleType name="ID"><restriction base="xsd:string"/></simpleType>
   <complexType name="GetUserInfoResult"><sequence>
    <element name="organizationId" type="tns:ID"/>
    <element name="organizationName" type="xsd:string"/>
    <element name="sessionSecondsValid" type="xsd:int"/>
    <element name="userEmail" type="xsd:string" nillable="true"/>
    <element name="userFullName" type="xsd:string"/>
    <element name="userId" type="tns:ID"/>
    <element name="userLanguage" type="xsd:string"/>
    <element name="userLocale" type="xsd:string"/>
    <element name="userName" type="xsd:string"/>
    <element name="userTimeZone" type="xsd:string"/>
    <element name="userType" type="xsd:string"/>
   </sequence></complexType>
   <complexType name="LoginResult"><sequence>
    <element name="metadataServerUrl" type="xsd:string" nillable="true"/>
    <element name="passwordExpired" type="xsd:boolean"/>
    <element name="sandbox" type="xsd:boolean"/>
    <element name="serverUrl" type="xsd:string" nillable="true"/>
    <element name="sessionId" type="xsd:string" nillable="true"/>
    <element name="userId" type="tns:ID" nillable="true"/>
    <element name="userInfo" type="tns:GetUserInfoResult" minOccurs="0"/>
   </sequence></complexType>
   <complexType name="Error"><sequence>
    <element name="fields" type="xsd:string" nillable="true" minOccurs="0" maxOccurs="unbounded"/>
    <element name="message" type="xsd:string"/>
    <element name="statusCode" type="xsd:string"/>
   </sequence></complexType>
   <complexType name="InvalidateSessionsResult"><sequence>
    <element name="errors" type="tns:Error" minOccurs="0" maxOccurs="unbounded"/>
    <element name="success" type="xsd:boolean"/>
   </sequence></complexType>
   <complexType name="GetServerTimestampResult"><sequence>
    <element name="timestamp" type="xsd:dateTime"/>
   </sequence></complexType>
   <element name="SessionHeader"><complexType><sequence>
    <element name="sessionId" type="xsd:string"/>
   </sequence></complexType></element>
   <element name="login"><complexType><sequence>
    <element name="username" type="xsd:string"/>
    <element name="password" type="xsd:string"/>
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
  <schema elementFormDefault="qualified" xmlns="${XSD_NS}" targetNamespace="${FAULT_NS}">
   <complexType name="ApiFault"><sequence>
    <element name="exceptionCode" type="xsd:string"/>
    <element name="exceptionMessage" type="xsd:string"/>
   </sequence></complexType>
   <complexType name="UnexpectedErrorFault"><complexContent><extension base="fns:ApiFault"/></complexContent></complexType>
   <complexType name="LoginFault"><complexContent><extension base="fns:ApiFault"/></complexContent></complexType>
   <element name="UnexpectedErrorFault" type="fns:UnexpectedErrorFault"/>
   <element name="LoginFault" type="fns:LoginFault"/>
  </schema>`;

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

/** The WSDL, with the service address set to this server's endpoint for `version`. */
export function renderWsdl(endpointUrl: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions targetNamespace="${PARTNER_NS}" xmlns="${WSDL_NS}" xmlns:soap="${WSDL_SOAP_NS}" xmlns:xsd="${XSD_NS}" xmlns:tns="${PARTNER_NS}" xmlns:fns="${FAULT_NS}">
 <types>${SCHEMA}
 </types>
${messages()}
${portType()}
${binding()}
 <service name="SforceService">
  <documentation>sessiond: the Salesforce Partner API session calls (login, logout, invalidateSessions, getUserInfo, getServerTimestamp)</documentation>
  <port binding="tns:SoapBinding" name="Soap"><soap:address location="${escapeXml(endpointUrl)}"/></port>
 </service>
</definitions>
`;
}
