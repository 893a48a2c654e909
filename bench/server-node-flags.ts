/**
 * The flags `npm start` gives node (package.json), given to every server the bench starts
 * (sessiond, the bare route, the peers), so each runs as sessiond ships and ratios compare like
 * with like; test/package/npm-start.test.ts checks the two lists agree.
 * - A young generation fixed at its largest (16 MiB semi-spaces) instead of one V8 grows and
 *   shrinks between 2 and 32 MiB with the load.
 * - No allocation-site pretenuring: about one server start in six, V8 decided (from a burst of
 *   survivors while the server was young) to make some request-lived objects in the old
 *   generation, and that server then spent ten times as long in GC for the rest of its life
 *   (bench/NOTES.md, "The slow 10 k server").
 */
export const SERVER_NODE_FLAGS: ReadonlyArray<string> = ['--min-semi-space-size=16', '--no-allocation-site-pretenuring'];
