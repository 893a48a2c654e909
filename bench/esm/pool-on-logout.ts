import type { ExternalSecurityModule } from '../../src/esm/types.ts';

/**
 * The bench's External Security Module: on web logout every server session goes into the pool
 * instead of being closed, so the next sign-in with the same pool key can reuse it.
 */
const poolOnLogout: ExternalSecurityModule = {
  closeSessionOnLogout: () => false,
};

export default poolOnLogout;
