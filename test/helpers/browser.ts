import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; playwright-core drives it (it downloads no browser of its own). */
export const CHROMIUM_PATH = process.env.SESSIOND_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Answers false when Chromium is installed (run the test), or a skip reason when it is not.
 * Under SESSIOND_REQUIRE_SERVICES=1 (CI) a missing browser is a failure, not a skip.
 */
export function skipUnlessBrowser(): false | string {
  if (existsSync(CHROMIUM_PATH)) return false;
  const reason = `SKIPPED: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium; set SESSIOND_REQUIRE_SERVICES=1 to make this a failure)`;
  if (process.env.SESSIOND_REQUIRE_SERVICES === '1') throw new Error(`Chromium is required (SESSIOND_REQUIRE_SERVICES=1) but missing at ${CHROMIUM_PATH}`);
  process.stderr.write(`${reason}\n`);
  return reason;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox'] });
}
