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
    const where = this.file === undefined ? '' : this.line === undefined ? `${this.file}: ` : `${this.file}:${this.line}: `;
    return `${where}${this.message}`;
  }
}
