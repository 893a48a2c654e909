import { defaultModule } from './default-module.ts';
import { importModuleFile } from './import-module.ts';
import type { EsmContext, ExternalSecurityModule } from './types.ts';

export class EsmLoadError extends Error {
  override name = 'EsmLoadError';
}

/**
 * Loads the module named by SESSIOND_ESM: JavaScript with Node alone, TypeScript through tsx
 * when it is installed (see import-module.ts). Its default export is an object of hooks, or a
 * class instantiated once with the module's settings. No path: the default module.
 */
export async function loadEsm(path: string | undefined, context: EsmContext): Promise<ExternalSecurityModule> {
  if (!path) return defaultModule;
  let exported: unknown;
  try {
    exported = ((await importModuleFile(path)) as { default?: unknown }).default;
  } catch (error) {
    throw new EsmLoadError(`SESSIOND_ESM: cannot load ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof exported === 'function') {
    try {
      exported = new (exported as new (ctx: EsmContext) => unknown)(context);
    } catch (error) {
      throw new EsmLoadError(`SESSIOND_ESM: the class exported by ${path} threw in its constructor: ${(error as Error).message}`, { cause: error });
    }
  }
  if (typeof exported !== 'object' || exported === null) {
    throw new EsmLoadError(`SESSIOND_ESM: ${path} must default-export an object of hooks or a class`);
  }
  return exported as ExternalSecurityModule;
}
