import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Reads a password: the whole of stdin when it is piped (one trailing newline dropped), or a
 * prompt with no echo on a terminal. Never from an argument, where `ps` and shell history see it.
 */
export async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      process.stderr.write(question);
      muted = true;
      rl.question('', (answer) => {
        muted = false;
        process.stderr.write('\n');
        resolve(answer);
      });
    });
  try {
    const first = await ask(prompt);
    const second = await ask('Repeat the password: ');
    if (first !== second) throw new Error('the two passwords differ');
    return first;
  } finally {
    rl.close();
  }
}
