/**
 * A finished `pesfit fit` output directory for uq/diagnose tests: a Morse Cu model fitted (in-process, through
 * cli/fit.ts executeFit) to fcc configurations labelled by a known Morse plus Gaussian noise of known σ, with
 * balance 'none' and σ fixed at the injected values (a calibrated likelihood).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { executeFit, type FitSummary } from '../../src/cli/fit.ts';
import { createRng } from '../../src/core/random.ts';
import { writeExtxyz } from '../../src/io/extxyz.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { compilePair, type PairSpec } from '../../src/potentials/pair.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';

export const TRUTH: PairSpec = { kind: 'morse', elements: ['Cu'], cutoff: 5.0, cutoff_function: 'shift', pairs: { 'Cu-Cu': { D0: 0.34, alpha: 1.36, r0: 2.87 } } };
export const NOISE = { energy: 0.002, force: 0.02 };

export function fitDirectory(opts: { nTrain?: number; seed?: number; extra?: Record<string, unknown>; group?: string } = {}): { dir: string; out: string; summary: FitSummary } {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-uq-'));
  const rng = createRng(opts.seed ?? 7);
  const model = compilePair(TRUTH);
  const base = supercell(bulk('fcc', ['Cu'], 3.61), [2, 2, 2]);
  const n = opts.nTrain ?? 8;
  const configs = Array.from({ length: n }, (_, i) => {
    const s = rattle(randomStrain(base, 0.03, rng), 0.08, rng);
    const r = evaluateStructure(model, s, { forces: true });
    const N = s.species.length;
    return {
      structure: s,
      labels: { energy: r.energy - 3.7 * N + rng.normal(0, NOISE.energy * Math.sqrt(N)), forces: r.forces!.map((f) => f + rng.normal(0, NOISE.force)) },
      group: opts.group ?? 'bulk', weight: 1, source: { file: 'synthetic', frame: i }, info: {},
    };
  });
  writeExtxyz(join(dir, 'train.xyz'), configs);
  const raw = {
    data: { train: ['train.xyz'] },
    model: { kind: 'morse', elements: ['Cu'], cutoff: 5.0, cutoff_function: 'shift', params: { D0: 0.3, alpha: 1.45, r0: 2.8 } },
    objective: { sigma: { energy: NOISE.energy, force: NOISE.force, stress: 0.001 }, balance: 'none', energy_offset: 'per-species' },
    output: { dir: 'out' },
    ...opts.extra,
  };
  writeFileSync(join(dir, 'fit.yaml'), stringify(raw));
  const summary = executeFit({ raw, file: join(dir, 'fit.yaml'), baseDir: dir });
  return { dir, out: join(dir, 'out'), summary };
}
