/**
 * The package's entry point for embedding sessiond in another Node process: build a server from
 * config, or use the core directly. The client lives at `sessiond/client`, ESM types at
 * `sessiond/esm`.
 */
export { createCore, createSessiond, type Sessiond, type SessiondOptions } from './app.ts';
export { ConfigError, loadConfig, type Config } from './config.ts';
export * from './core/index.ts';
