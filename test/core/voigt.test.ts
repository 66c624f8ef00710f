import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VOIGT_LAMMPS, VOIGT_VASP, fromInternal, toInternal, voigtToFull, fullToVoigt, V } from '../../src/core/voigt.ts';

test('Voigt reorderings round-trip and name the right components', () => {
  // LAMMPS order: pxx pyy pzz pxy pxz pyz
  const lmp = [1, 2, 3, 4, 5, 6];
  const internal = toInternal(lmp, VOIGT_LAMMPS);
  assert.equal(internal[V.xy], 4);
  assert.equal(internal[V.xz], 5);
  assert.equal(internal[V.yz], 6);
  assert.deepEqual([...fromInternal(internal, VOIGT_LAMMPS)], lmp);
  const vasp = [1, 2, 3, 4, 5, 6]; // xx yy zz xy yz zx
  const iv = toInternal(vasp, VOIGT_VASP);
  assert.deepEqual([iv[V.xy], iv[V.yz], iv[V.xz]], [4, 5, 6]);
});

test('full 3x3 and Voigt convert consistently', () => {
  const v = Float64Array.of(1, 2, 3, 4, 5, 6);
  const m = voigtToFull(v);
  assert.equal(m[1 * 3 + 2], v[V.yz]);
  assert.equal(m[0 * 3 + 2], v[V.xz]);
  assert.equal(m[0 * 3 + 1], v[V.xy]);
  assert.deepEqual([...fullToVoigt(m)], [...v]);
});
