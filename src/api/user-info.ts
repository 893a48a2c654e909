import type { SessionService } from '../core/session-service.ts';
import type { SessionRecord, UserRecord } from '../core/types.ts';

/**
 * What getUserInfo answers, in REST and SOAP alike. Field names and order follow the Partner
 * WSDL's GetUserInfoResult (SOAP writes them in this order), limited to what sessiond knows.
 */
export type UserInfo = {
  organizationId: string;
  organizationName: string;
  sessionSecondsValid: number;
  /** The username when it is an address, else null (sessiond keeps no separate e-mail). */
  userEmail: string | null;
  userFullName: string;
  userId: string;
  userLanguage: string;
  userLocale: string;
  userName: string;
  userTimeZone: string;
  userType: string;
};

export const ORGANIZATION_NAME = 'sessiond';

export function buildUserInfo(
  service: SessionService,
  organizationId: string,
  caller: { session: SessionRecord; user: UserRecord },
): UserInfo {
  const { session, user } = caller;
  return {
    organizationId,
    organizationName: ORGANIZATION_NAME,
    sessionSecondsValid: service.secondsValid(session),
    userEmail: user.username.includes('@') ? user.username : null,
    userFullName: user.username,
    userId: user.userId,
    // sessiond speaks English and keeps time in UTC; it stores no per-user preferences.
    userLanguage: 'en_US',
    userLocale: 'en_US',
    userName: user.username,
    userTimeZone: 'UTC',
    userType: 'Standard',
  };
}
