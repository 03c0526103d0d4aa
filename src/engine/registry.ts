/**
 * Loads every module that registers scenario operations, so that importing
 * this file gives the complete registry.
 */

import './ops-core.js';
import './ops-machine.js';
import './ops-mm.js';
import './ops-net.js';

export { allOps, getOp, opLookup } from './ops.js';
