import { SessiondError } from '../../core/errors.ts';
import { STATUS_CODES } from '../../core/status-codes.ts';
import { FAULT_NS, SOAP_ENV_NS, xmlElement, XSI_NS } from '@sessiond/client/protocol';

/**
 * A SessiondError as the SOAP fault Salesforce clients read: faultcode `sf:<CODE>`,
 * faultstring `<CODE>: <message>`, and the detail element the status table names for the code.
 * Faults always travel as HTTP 500.
 */
export const FAULT_HTTP_STATUS = 500;

export function renderFault(error: SessiondError): string {
  const detailType = STATUS_CODES[error.code].soapFault;
  const detail =
    `<sf:${detailType} xsi:type="sf:${detailType}">` +
    xmlElement('sf:exceptionCode', error.code) +
    xmlElement('sf:exceptionMessage', error.message) +
    `</sf:${detailType}>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}" xmlns:sf="${FAULT_NS}" xmlns:xsi="${XSI_NS}">` +
    '<soapenv:Body><soapenv:Fault>' +
    xmlElement('faultcode', `sf:${error.code}`) +
    xmlElement('faultstring', `${error.code}: ${error.message}`) +
    `<detail>${detail}</detail>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>'
  );
}
