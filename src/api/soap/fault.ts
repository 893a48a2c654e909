import { SessiondError } from '../../core/errors.ts';
import { STATUS_CODES } from '../../core/status-codes.ts';
import { FAULT_NS, SOAP_ENV_NS, xmlElement, XSI_NS } from '@sessiond/client/protocol';

/**
 * A SessiondError as the SOAP fault Salesforce clients read: faultcode `sf:<CODE>`,
 * faultstring `<CODE>: <message>`, and the detail element the status table names for the code.
 * Faults always travel as HTTP 500.
 */
export const FAULT_HTTP_STATUS = 500;

/** SOAP 1.2's envelope namespace, where its Upgrade header lives. */
const SOAP_12_ENV_NS = 'http://www.w3.org/2003/05/soap-envelope';

/**
 * The request's Envelope is not SOAP 1.1's (a SOAP 1.2 envelope, or another namespace): SOAP
 * 1.1 §4.4.1 answers `soapenv:VersionMismatch`. The detail still carries INVALID_REQUEST, so
 * Partner clients read a code from the status table as for every other fault.
 */
export class VersionMismatchError extends SessiondError {
  constructor(message: string) {
    super('INVALID_REQUEST', message);
  }
}

/**
 * `requestId` (the answer's X-Request-Id) is added to the faultstring of server failures (the
 * codes whose REST status is 5xx), after the `<CODE>: <message>` Partner clients read, so a
 * report of the failure leads to its log lines; the detail keeps the WSDL's exact shape.
 */
export function renderFault(error: SessiondError, requestId?: string): string {
  const detailType = STATUS_CODES[error.code].soapFault;
  const detail =
    `<sf:${detailType} xsi:type="sf:${detailType}">` +
    xmlElement('sf:exceptionCode', error.code) +
    xmlElement('sf:exceptionMessage', error.message) +
    `</sf:${detailType}>`;
  const mismatch = error instanceof VersionMismatchError;
  const serverFailure = requestId !== undefined && STATUS_CODES[error.code].http >= 500 ? ` (request ID ${requestId})` : '';
  // SOAP 1.2 Appendix A: a SOAP 1.1 node tells a 1.2 sender which envelope it supports.
  const header = mismatch
    ? `<soapenv:Header><upg:Upgrade xmlns:upg="${SOAP_12_ENV_NS}"><upg:SupportedEnvelope qname="soap11:Envelope" xmlns:soap11="${SOAP_ENV_NS}"/></upg:Upgrade></soapenv:Header>`
    : '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}" xmlns:sf="${FAULT_NS}" xmlns:xsi="${XSI_NS}">` +
    header +
    '<soapenv:Body><soapenv:Fault>' +
    xmlElement('faultcode', mismatch ? 'soapenv:VersionMismatch' : `sf:${error.code}`) +
    xmlElement('faultstring', mismatch ? `VersionMismatch: ${error.message}` : `${error.code}: ${error.message}${serverFailure}`) +
    `<detail>${detail}</detail>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>'
  );
}
