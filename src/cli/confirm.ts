// An interactive yes/no question on the terminal; anything but y/yes is no.
import { createInterface } from 'node:readline/promises';

export async function confirm(question: string, output: NodeJS.WritableStream): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
