/**
 * Errors that pagesim reports to its user.
 *
 * `InputError` is bad input: a scenario file, a trace, or a command-line
 * argument that pagesim cannot accept. The CLI prints it as one line,
 * `FILE:LINE: message`, and exits with status 2. Kernel misuse inside a
 * scenario is never an InputError: that is simulated and reported the way
 * the kernel reports it.
 */
export class InputError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }

  /** The one-line form the CLI prints. */
  oneLine(): string {
    // An empty file name (`pagesim run ''`) is shown as "", not as nothing before the colon.
    const file = this.file === '' ? '""' : this.file;
    const where = file === undefined ? '' : this.line === undefined ? `${file}: ` : `${file}:${this.line}: `;
    return `${where}${this.message}`;
  }
}
