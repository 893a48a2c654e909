/**
 * Calls process.nextTick 100,000 times (in 100 rounds, so V8's compiler has time to finish)
 * before the server is built. Without it, most sessiond processes served every request in a
 * slow state: Node's optimized nextTick (and the stream functions it is inlined into) defined
 * each tick object's computed-key properties through V8's runtime, 20-30 calls and 25-38 k
 * instructions a request, a third of a session check (bench/NOTES.md, issue 15). Optimized
 * early, while its literal has seen one shape only, it stayed fast (10 of 10 processes under callgrind, against 2 of 17 without). Costs
 * 0.1-0.2 s at startup; the tests build servers without it (createSessiond), only `serve` warms.
 */
export async function warmNextTick(): Promise<void> {
  const noop = () => {};
  for (let round = 0; round < 100; round++) {
    for (let i = 0; i < 1000; i++) process.nextTick(noop);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
