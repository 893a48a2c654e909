import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * A bench script's command line, read by node:util's parseArgs: `--name=value` and `--flag`
 * options and positionals. An option the script does not know, or a flag given a value, ends the
 * script with its usage line instead of being ignored: a mistyped option would otherwise run a
 * measurement other than the one asked for.
 */
export function scriptArgs<O extends Options>(usage: string, options: O) {
  try {
    return parseArgs({ args: process.argv.slice(2), options, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\nusage: ${usage}\n`);
    process.exit(2);
  }
}
