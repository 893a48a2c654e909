/**
 * The one table of which elements each Partner API answer type has at which API version, and
 * the range of versions sessiond serves. Answers (partner-answers.ts) and the WSDL served for a
 * version (wsdl.ts) are both written from it, so a client generated from any accepted
 * version's WSDL — Salesforce's or sessiond's — reads every answer.
 *
 * Each version's shape was read from real Partner WSDLs (the ones an org downloads) and the
 * SOAP API Developer Guide; none of those files is kept here:
 * - 19.0, 20.0: Ricston/mule-transport-salesforce src/main/resources/partner.wsdl (generated
 *   2010-07-26) and developerforce/Force.com-Toolkit-for-PHP soapclient/partner.wsdl.xml at
 *   dfb69d1 (generated 2010-11-04). That toolkit's "27.0" commit (e17e2d8) only changed the
 *   version in the comment and the address: its file is still the 20.0 WSDL, so clients
 *   generated from it expect the 20.0 shape and should use /services/Soap/u/20.0.
 * - 21.0: the Developer Guide's GetUserInfoResult ("sessionSecondsValid … Available in API
 *   version 21.0 and later"); superfell/zkSforce 87607f0 adds orgAttachmentFileSizeLimit and
 *   sessionSecondsValid as the v21.0 fields.
 * - 22.0: Prizzm/copdimport partner.wsdl.xml (generated 2011-06-15); 23.0:
 *   kerryland/stuntbyte-sftools wsdl/partner.wsdl; 24.0: forcedotcom/wsdl bace92d; 28.0:
 *   AndrewNR/dg-auth wsdl/partner.wsdl (generated 2013-06-10). No 25.0-27.0 WSDL was found:
 *   24.0 and 28.0 agree on every element below, and Salesforce only adds elements, so 25.0-27.0
 *   take that shape (27.0 has sessionSecondsValid, as the guide says of every version from 21.0).
 * - 29.0-58.0: superfell/WSDL2ZKSforce partner.wsdl, one commit per version (29-47, 49-51,
 *   54-56, 58); 37.0 adds extendedErrorDetails (Error, ApiFault), 38.0
 *   orgDefaultCurrencyLocale, 40.0 chatterExternal (the guide: "Available in API 40.0 and later").
 * - 47.0-66.0: forcedotcom/wsdl resources/partner.wsdl, one commit per release (66.0: b3c7ce6,
 *   Spring '26, the newest published). Nothing below changed from 40.0 to 66.0.
 *   That repository's WSDLs also declare upgradeURL and upgradeMessage (LoginResult, ApiFault)
 *   and defaultAppIdForProfile (GetUserInfoResult, 47.0+), all minOccurs="0" and absent from
 *   the WSDLs orgs download (WSDL2ZKSforce 47.0-58.0, stevenebutler/ForceConnector 51.0):
 *   sessiond never sends them, and leaves them out.
 *
 * Salesforce itself retired 7.0-20.0 (Summer '22) and 21.0-30.0 (Summer '25); sessiond keeps
 * serving them so that clients generated years ago keep working.
 */
export const OLDEST_VERSION = 20;
export const NEWEST_VERSION = 66;

export const ACCEPTED_VERSIONS_TEXT = `${OLDEST_VERSION}.0 to ${NEWEST_VERSION}.0`;

/** `27.0` → 27, or null when the text is not a Partner API version sessiond serves. */
export function acceptedVersion(text: string): number | null {
  const match = /^(\d{1,3})\.0$/.exec(text);
  if (!match) return null;
  const version = Number(match[1]);
  return version >= OLDEST_VERSION && version <= NEWEST_VERSION ? version : null;
}

export interface PartnerElement {
  readonly name: string;
  /** The XSD type as the WSDL writes it (`xsd:string`, `tns:ID`, `fns:ExceptionCode`, …). */
  readonly type: string;
  /** The first version that has the element; absent: every accepted version. */
  readonly since?: number;
  readonly nillable?: true;
  /** minOccurs="0". */
  readonly optional?: true;
  /** maxOccurs="unbounded". */
  readonly repeated?: true;
}

export interface PartnerType {
  /** The schema the type lives in: the partner namespace, or the fault namespace. */
  readonly schema: 'partner' | 'fault';
  readonly elements: readonly PartnerElement[];
}

/** The answer types, each element in schema order, as the Partner WSDLs above declare them. */
export const PARTNER_TYPES = {
  GetUserInfoResult: {
    schema: 'partner',
    elements: [
      { name: 'accessibilityMode', type: 'xsd:boolean' },
      { name: 'chatterExternal', type: 'xsd:boolean', since: 40 },
      { name: 'currencySymbol', type: 'xsd:string', nillable: true },
      { name: 'orgAttachmentFileSizeLimit', type: 'xsd:int', since: 21 },
      { name: 'orgDefaultCurrencyIsoCode', type: 'xsd:string', nillable: true },
      { name: 'orgDefaultCurrencyLocale', type: 'xsd:string', nillable: true, since: 38 },
      { name: 'orgDisallowHtmlAttachments', type: 'xsd:boolean' },
      { name: 'orgHasPersonAccounts', type: 'xsd:boolean' },
      { name: 'organizationId', type: 'tns:ID' },
      { name: 'organizationMultiCurrency', type: 'xsd:boolean' },
      { name: 'organizationName', type: 'xsd:string' },
      { name: 'profileId', type: 'tns:ID' },
      { name: 'roleId', type: 'tns:ID', nillable: true },
      { name: 'sessionSecondsValid', type: 'xsd:int', since: 21 },
      { name: 'userDefaultCurrencyIsoCode', type: 'xsd:string', nillable: true },
      { name: 'userEmail', type: 'xsd:string' },
      { name: 'userFullName', type: 'xsd:string' },
      { name: 'userId', type: 'tns:ID' },
      { name: 'userLanguage', type: 'xsd:string' },
      { name: 'userLocale', type: 'xsd:string' },
      { name: 'userName', type: 'xsd:string' },
      { name: 'userTimeZone', type: 'xsd:string' },
      { name: 'userType', type: 'xsd:string' },
      { name: 'userUiSkin', type: 'xsd:string' },
    ],
  },
  LoginResult: {
    schema: 'partner',
    elements: [
      { name: 'metadataServerUrl', type: 'xsd:string', nillable: true },
      { name: 'passwordExpired', type: 'xsd:boolean' },
      { name: 'sandbox', type: 'xsd:boolean' },
      { name: 'serverUrl', type: 'xsd:string', nillable: true },
      { name: 'sessionId', type: 'xsd:string', nillable: true },
      { name: 'userId', type: 'tns:ID', nillable: true },
      { name: 'userInfo', type: 'tns:GetUserInfoResult', optional: true },
    ],
  },
  Error: {
    schema: 'partner',
    elements: [
      { name: 'extendedErrorDetails', type: 'tns:ExtendedErrorDetails', since: 37, nillable: true, optional: true, repeated: true },
      { name: 'fields', type: 'xsd:string', nillable: true, optional: true, repeated: true },
      { name: 'message', type: 'xsd:string' },
      { name: 'statusCode', type: 'tns:StatusCode' },
    ],
  },
  InvalidateSessionsResult: {
    schema: 'partner',
    elements: [
      { name: 'errors', type: 'tns:Error', optional: true, repeated: true },
      { name: 'success', type: 'xsd:boolean' },
    ],
  },
  GetServerTimestampResult: {
    schema: 'partner',
    elements: [{ name: 'timestamp', type: 'xsd:dateTime' }],
  },
  ApiFault: {
    schema: 'fault',
    elements: [
      { name: 'exceptionCode', type: 'fns:ExceptionCode' },
      { name: 'exceptionMessage', type: 'xsd:string' },
      { name: 'extendedErrorDetails', type: 'tns:ExtendedErrorDetails', since: 37, nillable: true, optional: true, repeated: true },
    ],
  },
} as const satisfies Record<string, PartnerType>;

export type PartnerTypeName = keyof typeof PARTNER_TYPES;

/** The version that introduced ExtendedErrorDetails (and its ExtendedErrorCode) to the schema. */
export const EXTENDED_ERROR_DETAILS_SINCE = 37;

/** The elements `type` has at `version`, in schema order. */
export function elementsAt(type: PartnerTypeName, version: number): readonly PartnerElement[] {
  return (PARTNER_TYPES[type].elements as readonly PartnerElement[]).filter((e) => (e.since ?? 0) <= version);
}
