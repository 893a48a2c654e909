import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What a module written in TypeScript needs, and how to get it. */
export class TypeScriptLoaderMissingError extends Error {
  override name = 'TypeScriptLoaderMissingError';
}

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);

interface TsxEsmApi {
  tsImport(specifier: string, options: { parentURL: string }): Promise<unknown>;
}

/**
 * Imports a module file by path. JavaScript (`.js`, `.mjs`) is imported by Node itself;
 * TypeScript goes through tsx, an optional peer dependency, which is loaded only then and only
 * for this import (tsImport: a scoped loader, not a process-wide one), so a server whose module
 * is JavaScript never loads tsx at all.
 */
export async function importModuleFile(path: string): Promise<unknown> {
  const url = pathToFileURL(resolve(path)).href;
  if (!TYPESCRIPT_EXTENSIONS.has(extname(path).toLowerCase())) return import(url);
  let tsx: TsxEsmApi;
  try {
    tsx = (await import('tsx/esm/api')) as TsxEsmApi;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /'tsx'/.test((error as Error).message)) {
      throw new TypeScriptLoaderMissingError(
        `${path} is TypeScript, which needs tsx to load (an optional peer dependency of sessiond): run \`npm install tsx\` where sessiond is installed, or compile the module to .js`,
        { cause: error },
      );
    }
    throw error;
  }
  const namespace = (await tsx.tsImport(url, { parentURL: import.meta.url })) as { default?: unknown };
  // Outside a "type": "module" package tsx compiles a .ts file as CommonJS, and its ES exports
  // arrive one level down (default.default); answer them as the module's own.
  const inner = namespace.default as { __esModule?: unknown } | undefined;
  return typeof inner === 'object' && inner !== null && inner.__esModule === true ? inner : namespace;
}
