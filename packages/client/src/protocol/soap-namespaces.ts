/** The XML namespaces of the Salesforce Partner SOAP API that sessiond speaks. */
export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const PARTNER_NS = 'urn:partner.soap.sforce.com';
export const FAULT_NS = 'urn:fault.partner.soap.sforce.com';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
export const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
export const WSDL_SOAP_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';

/** `/services/Soap/u/{version}`: versions look like `60.0`. */
export const API_VERSION_PATTERN = /^\d{1,3}\.\d$/;
export const soapPath = (version: string): string => `/services/Soap/u/${version}`;
