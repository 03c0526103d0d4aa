/**
 * Machine-level scenario operations: the whole-machine checker and the
 * /proc files.
 */

import { pageOwnerOf } from '../kernel/page_owner.js';
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
  doc: `The text of a /proc file as the kernel prints it: ${PROC_FILES.join(', ')}; or page_owner, /sys/kernel/debug/page_owner (with machine: {page_owner: on}).`,
  run(k, a) {
    const file = a['file'] as string;
    if (file === 'page_owner') {
      const po = pageOwnerOf(k);
      // Without page_owner=on the kernel's read returns -EINVAL: a scenario asking for it wants it on.
      if (po === null) throw new InputError('proc: page_owner: the machine boots without page_owner; set machine: {page_owner: on} (the kernel\'s page_owner=on)');
      return po.read();
    }
    if (!(PROC_FILES as readonly string[]).includes(file)) throw new InputError(`proc: unknown file "${file}" (known: ${PROC_FILES.join(', ')}, page_owner)`);
    return procFile(k, file as ProcFile);
  },
});
