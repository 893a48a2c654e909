/**
 * The wire vocabulary sessiond's server and its clients share (`@sessiond/client/protocol`):
 * the one status-code table, the SOAP namespaces and paths, and the XML text helpers. Pure
 * JavaScript, no Node built-ins, so it runs wherever the client does.
 */
export * from './soap-namespaces.ts';
export * from './status-codes.ts';
export * from './xml-text.ts';
export * from './xml-writer.ts';
