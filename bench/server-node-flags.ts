/**
 * The flags `npm start` gives node (package.json), given to every server the bench starts
 * (sessiond, the bare route, the peers), so each runs as sessiond ships and ratios compare like
 * with like. A young generation fixed at its largest (16 MiB semi-spaces) instead of one V8
 * grows and shrinks between 2 and 32 MiB with the load; test/package/npm-start.test.ts checks
 * the two lists agree.
 */
export const SERVER_NODE_FLAGS: ReadonlyArray<string> = ['--min-semi-space-size=16'];
