/** Runs a CLI command function in-process with its stdout captured. */
export function captureStdout(run: () => number): { status: number; out: string } {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { status: run(), out: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}
