import {
  XmlBufferInputProvider,
  XmlDocument,
  xmlRegisterInputProvider,
  XmlValidateError,
  XsdValidator,
  type XmlElement,
} from 'libxml2-wasm';

/**
 * XML Schema validation of SOAP answers against the schemas a WSDL declares, with libxml2 (the
 * engine behind xmllint) compiled to WebAssembly: in process, and installed by `npm ci` like
 * every other test dependency, with no system package to add to CI.
 *
 * The SOAP 1.1 envelope is checked by a schema following the W3C note's
 * (http://schemas.xmlsoap.org/soap/envelope/), except that Body and Fault detail content is
 * validated strictly: an element the WSDL does not declare is an error, not skipped.
 */
const SOAP11_ENVELOPE_XSD = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="http://schemas.xmlsoap.org/soap/envelope/"
    targetNamespace="http://schemas.xmlsoap.org/soap/envelope/">
  <xs:element name="Envelope" type="tns:Envelope"/>
  <xs:complexType name="Envelope">
    <xs:sequence>
      <xs:element ref="tns:Header" minOccurs="0"/>
      <xs:element ref="tns:Body"/>
      <xs:any namespace="##other" minOccurs="0" maxOccurs="unbounded" processContents="lax"/>
    </xs:sequence>
    <xs:anyAttribute namespace="##other" processContents="lax"/>
  </xs:complexType>
  <xs:element name="Header" type="tns:Header"/>
  <xs:complexType name="Header">
    <xs:sequence><xs:any namespace="##other" minOccurs="0" maxOccurs="unbounded" processContents="lax"/></xs:sequence>
    <xs:anyAttribute namespace="##other" processContents="lax"/>
  </xs:complexType>
  <xs:element name="Body" type="tns:Body"/>
  <xs:complexType name="Body">
    <xs:sequence><xs:any namespace="##any" minOccurs="0" maxOccurs="unbounded" processContents="strict"/></xs:sequence>
    <xs:anyAttribute namespace="##any" processContents="lax"/>
  </xs:complexType>
  <xs:element name="Fault" type="tns:Fault"/>
  <xs:complexType name="Fault" final="extension">
    <xs:sequence>
      <xs:element name="faultcode" type="xs:QName" form="unqualified"/>
      <xs:element name="faultstring" type="xs:string" form="unqualified"/>
      <xs:element name="faultactor" type="xs:anyURI" minOccurs="0" form="unqualified"/>
      <xs:element name="detail" type="tns:detail" minOccurs="0" form="unqualified"/>
    </xs:sequence>
  </xs:complexType>
  <xs:complexType name="detail">
    <xs:sequence><xs:any namespace="##any" minOccurs="0" maxOccurs="unbounded" processContents="strict"/></xs:sequence>
    <xs:anyAttribute namespace="##any" processContents="lax"/>
  </xs:complexType>
</xs:schema>`;

const NS = { wsdl: 'http://schemas.xmlsoap.org/wsdl/', xsd: 'http://www.w3.org/2001/XMLSchema' };
const encoder = new TextEncoder();
const files = new XmlBufferInputProvider({});
xmlRegisterInputProvider(files);
let nextSet = 0;

export class SoapSchemaValidator {
  private constructor(private readonly validator: XsdValidator) {}

  /** A validator for SOAP 1.1 envelopes whose content the WSDL's `<types>` schemas declare. */
  static fromWsdl(wsdl: string): SoapSchemaValidator {
    const set = `mem-${nextSet++}`;
    const doc = XmlDocument.fromString(wsdl);
    const imports: string[] = [];
    try {
      for (const [i, node] of doc.find('/wsdl:definitions/wsdl:types/xsd:schema', NS).entries()) {
        const schema = node as XmlElement;
        // A schema inside a WSDL may use prefixes declared on <definitions>: copy them onto it.
        const local = schema.nsDeclarations;
        for (const [prefix, uri] of Object.entries(schema.namespaces)) {
          if (!(prefix in local)) schema.addNsDeclaration(uri, prefix === '' ? undefined : prefix);
        }
        files.addBuffer(`${set}/schema-${i}.xsd`, encoder.encode(schema.toString()));
        imports.push(`<xs:import namespace="${schema.attr('targetNamespace')?.value ?? ''}" schemaLocation="schema-${i}.xsd"/>`);
      }
    } finally {
      doc.dispose();
    }
    files.addBuffer(`${set}/envelope.xsd`, encoder.encode(SOAP11_ENVELOPE_XSD));
    imports.push(`<xs:import namespace="http://schemas.xmlsoap.org/soap/envelope/" schemaLocation="envelope.xsd"/>`);
    const root = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:sessiond:test:${set}">${imports.join('')}</xs:schema>`;
    const rootDoc = XmlDocument.fromString(root, { url: `${set}/root.xsd` });
    try {
      return new SoapSchemaValidator(XsdValidator.fromDoc(rootDoc));
    } finally {
      rootDoc.dispose();
    }
  }

  /** Throws, naming each violation with its line, unless `xml` is valid. */
  validate(xml: string): void {
    const doc = XmlDocument.fromString(xml);
    try {
      this.validator.validate(doc);
    } catch (error) {
      if (error instanceof XmlValidateError) {
        const details = error.details.map((d) => `line ${d.line}: ${d.message.trim()}`).join('; ');
        throw new Error(`not valid against the WSDL's schema: ${details}\n${xml.slice(0, 2000)}`);
      }
      throw error;
    } finally {
      doc.dispose();
    }
  }

  dispose(): void {
    this.validator.dispose();
  }
}
