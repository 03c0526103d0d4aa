import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../src/util/errors.js';

test('InputError renders file:line: message', () => {
  assert.equal(new InputError('unknown operation "foo"', 'a.yaml', 7).oneLine(), 'a.yaml:7: unknown operation "foo"');
  assert.equal(new InputError('bad size', 'a.yaml').oneLine(), 'a.yaml: bad size');
  assert.equal(new InputError('no such variant').oneLine(), 'no such variant');
});
