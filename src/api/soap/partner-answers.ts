import type { XmlTree, XmlValue } from '@sessiond/client/protocol';
import type { UserInfo } from '../user-info.ts';
import { elementsAt, PARTNER_TYPES, type PartnerElement, type PartnerTypeName } from './partner-versions.ts';

/**
 * Writes an answer type exactly as the Partner WSDL of one version declares it: only that
 * version's elements, in schema order, every required one present (xsi:nil where the schema
 * allows it). Values are given in the newest shape; what an older version lacks is left out.
 */
export function partnerAnswer(type: PartnerTypeName, version: number, values: Readonly<Record<string, XmlValue>>): XmlTree {
  const known = PARTNER_TYPES[type].elements as readonly PartnerElement[];
  for (const name of Object.keys(values)) {
    // A name no version of the type has is a mistake here, not something to drop quietly.
    if (!known.some((e) => e.name === name)) throw new Error(`${type} has no element ${name} in any Partner API version`);
  }
  const out: XmlTree = {};
  for (const element of elementsAt(type, version)) {
    const value = values[element.name];
    if (value !== undefined) out[element.name] = value;
    else if (element.optional) continue;
    else if (element.nillable) out[element.name] = null;
    else throw new Error(`${type}.${element.name} is required at ${version}.0 and has no value`);
  }
  return out;
}

/** The one profile every sessiond user has: an 18-character ID, as tns:ID requires. */
export const PROFILE_ID = '00e000000000001AAA';

/**
 * GetUserInfoResult: what sessiond knows (UserInfo, also REST's answer) plus the Partner
 * elements it has no concept of, each with a value that says "none": no currencies, roles,
 * person accounts or attachments; Salesforce Classic's skin.
 */
export function partnerUserInfo(info: UserInfo, version: number): XmlTree {
  return partnerAnswer('GetUserInfoResult', version, {
    accessibilityMode: false,
    chatterExternal: false,
    currencySymbol: null,
    orgAttachmentFileSizeLimit: 0,
    orgDefaultCurrencyIsoCode: null,
    orgDefaultCurrencyLocale: null,
    orgDisallowHtmlAttachments: false,
    orgHasPersonAccounts: false,
    organizationId: info.organizationId,
    organizationMultiCurrency: false,
    organizationName: info.organizationName,
    profileId: PROFILE_ID,
    roleId: null,
    sessionSecondsValid: info.sessionSecondsValid,
    userDefaultCurrencyIsoCode: null,
    // userEmail may not be nil in any version: a username that is no address gives ''.
    userEmail: info.userEmail ?? '',
    userFullName: info.userFullName,
    userId: info.userId,
    userLanguage: info.userLanguage,
    userLocale: info.userLocale,
    userName: info.userName,
    userTimeZone: info.userTimeZone,
    userType: info.userType,
    userUiSkin: 'Theme3',
  });
}
