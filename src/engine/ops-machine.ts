/**
 * Machine-level scenario operations: the whole-machine checker and the
 * /proc files.
 */

import { defineOp, P } from './ops.js';
import { checkMachine, reportViolations } from '../check/checker.js';
import { PROC_FILES, procFile, type ProcFile } from './proc.js';
import { InputError } from '../util/errors.js';

defineOp({
  name: 'check',
  params: [],
  result: 'int',
  group: 'machine',
  doc: 'Run the whole-machine checker now; each violation is a `check` report. The result is the number of violations.',
  run(k) {
    const r = checkMachine(k);
    reportViolations(k, r);
    return r.violations.length + r.dropped;
  },
});

defineOp({
  name: 'proc',
  params: [P.string('file')],
  result: 'text',
  group: 'machine',
  doc: `The text of a /proc file as the kernel prints it: ${PROC_FILES.join(', ')}.`,
  run(k, a) {
    const file = a['file'] as string;
    if (!(PROC_FILES as readonly string[]).includes(file)) throw new InputError(`proc: unknown file "${file}" (known: ${PROC_FILES.join(', ')})`);
    return procFile(k, file as ProcFile);
  },
});
