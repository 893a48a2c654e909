import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runCli } from './child-process.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

test('sessiond --version and -V print the version in package.json and exit 0', async () => {
  for (const flag of ['--version', '-V']) {
    const result = await runCli([flag], {});
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${version}\n`);
    assert.equal(result.stderr, '');
  }
});
