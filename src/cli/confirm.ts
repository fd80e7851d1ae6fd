// An interactive yes/no question on the terminal; anything but y/yes is no.
import { createInterface } from 'node:readline/promises';
import { interrupt } from './interrupt.js';

export async function confirm(question: string, output: NodeJS.WritableStream & { isTTY?: boolean }): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output });
  // In a terminal readline reads raw keys and turns Ctrl-C into this event instead of a signal: end the run.
  rl.on('SIGINT', () => {
    rl.close();
    output.write('\n');
    interrupt(output);
  });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
