import { createInterface } from 'node:readline';

/** The first line of standard input (piped), without its line ending. */
export async function readStdinLine(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) {
    data += String(chunk);
    if (data.includes('\n')) break;
  }
  return data.split(/\r?\n/)[0];
}

/** Asks on the terminal without echoing what is typed (raw mode; Ctrl-C aborts). */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (error?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done();
        if (char === '\u0003') return done(new Error('aborted'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * A secret: asked twice without echo on a terminal (unless `fromStdin`), else the first line
 * of standard input.
 */
export async function readSecret(label: string, fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) return readStdinLine();
  const first = await askHidden(`${label}: `);
  const second = await askHidden(`${label} (again): `);
  if (first !== second) throw new Error('the two entries differ');
  return first;
}

/** One visible answer: from the terminal, or the first line of piped standard input. */
export async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    process.stderr.write(question);
    return readStdinLine();
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
  }
}
