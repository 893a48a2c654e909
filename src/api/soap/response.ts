import { PARTNER_NS, SOAP_ENV_NS, xmlElement, type XmlValue, XSI_NS } from '@sessiond/client/protocol';

/**
 * A successful answer: `<{operation}Response>` in the partner namespace as the default
 * namespace, so clients that find elements by bare name (`<sessionId>`) read it as they do
 * Salesforce's.
 */
export function renderResponse(operation: string, content: XmlValue): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}" xmlns="${PARTNER_NS}" xmlns:xsi="${XSI_NS}">` +
    `<soapenv:Body>${xmlElement(`${operation}Response`, content ?? {})}</soapenv:Body>` +
    '</soapenv:Envelope>'
  );
}
