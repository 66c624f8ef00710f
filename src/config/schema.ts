/**
 * The schema of a `pesfit fit` config file (YAML), validated once by zod into typed data. Every object is strict:
 * an unknown key is an error naming its key path. Defaults live here, next to the types.
 *
 * Sections (units: σ_E eV/atom, σ_F eV/Å, σ_S eV/Å³; lengths Å):
 *   data:           {train: [entry, ...], test?: [entry, ...]}; entry = path | {path, format?, group?, stress?, weight?}
 *   model:          {kind, elements, cutoff, cutoff_function?, params?} or {from_lammps, style, elements}
 *                   (params are checked per kind in config/model.ts)
 *   objective:      {sigma: auto | {energy?, force?, stress?}, sigma_per_group, groups, energy_offset, balance, weights}
 *   regularization: {ridge: number | auto, smoothness: number | auto}
 *   solver:         {method: auto | linear | lm | lbfgs | de, max_iterations}
 *   validation:     {cv?: {folds, seed?} | {by: group}, split?, seed?}
 *   output:         {dir}
 */
import { z } from 'zod';
import { READ_FORMATS } from '../io/formats.ts';

const positive = z.number().positive();
const nonNegative = z.number().nonnegative();

export const DataEntrySchema = z.union([
  z.string().min(1),
  z.strictObject({
    path: z.string().min(1),
    format: z.enum(READ_FORMATS).optional(),
    group: z.string().min(1).optional(),
    stress: z.enum(['full', 'diagonal', 'none']).optional(),
    weight: nonNegative.optional(),
  }),
]);

const SigmaPartial = z.strictObject({ energy: positive.optional(), force: positive.optional(), stress: positive.optional() });

const CutoffFunctionSchema = z.union([
  z.enum(['none', 'shift', 'shifted-force']),
  z.strictObject({ kind: z.literal('cosine'), inner: positive }),
  z.strictObject({ kind: z.literal('smoothstep'), inner: positive }),
  z.strictObject({ kind: z.literal('x4'), h: positive }),
]);

export const MODEL_KINDS = ['lj', 'morse', 'buckingham', 'pair-spline', 'eam-spline', 'snap'] as const;
export const LAMMPS_STYLES = ['eam', 'eam/alloy', 'eam/fs', 'tersoff', 'sw'] as const;

export const ModelSchema = z.strictObject({
  kind: z.enum(MODEL_KINDS).optional(),
  elements: z.array(z.string().min(1)).min(1),
  cutoff: positive.optional(),
  cutoff_function: CutoffFunctionSchema.optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  from_lammps: z.string().min(1).optional(),
  style: z.enum(LAMMPS_STYLES).optional(),
});

const Strength = z.union([nonNegative, z.literal('auto')]);

export const ConfigSchema = z.strictObject({
  data: z.strictObject({
    train: z.array(DataEntrySchema).min(1),
    test: z.array(DataEntrySchema).optional(),
  }),
  model: ModelSchema,
  objective: z
    .strictObject({
      sigma: z.union([z.literal('auto'), SigmaPartial]).default('auto'),
      /** With sigma auto: estimate σ per group and data type instead of one σ per data type. */
      sigma_per_group: z.boolean().default(false),
      groups: z.record(z.string(), z.strictObject({ sigma: SigmaPartial.optional(), weight: nonNegative.optional() })).default({}),
      energy_offset: z
        .union([z.enum(['none', 'global', 'per-species']), z.strictObject({ fixed: z.record(z.string(), z.number()) })])
        .default('per-species'),
      balance: z.enum(['none', 'lambda-star']).default('lambda-star'),
      weights: z.strictObject({ energy: nonNegative.default(1), force: nonNegative.default(1), stress: nonNegative.default(1) }).default({ energy: 1, force: 1, stress: 1 }),
    })
    .default({ sigma: 'auto', sigma_per_group: false, groups: {}, energy_offset: 'per-species', balance: 'lambda-star', weights: { energy: 1, force: 1, stress: 1 } }),
  regularization: z
    .strictObject({ ridge: Strength.default(0), smoothness: Strength.default(0) })
    .default({ ridge: 0, smoothness: 0 }),
  solver: z
    .strictObject({
      method: z.enum(['auto', 'linear', 'lm', 'lbfgs', 'de']).default('auto'),
      max_iterations: z.number().int().positive().default(200),
    })
    .default({ method: 'auto', max_iterations: 200 }),
  validation: z
    .strictObject({
      cv: z.union([z.strictObject({ folds: z.number().int().min(2), seed: z.number().int().optional() }), z.strictObject({ by: z.literal('group') })]).optional(),
      split: z.number().gt(0).lt(1).optional(),
      seed: z.number().int().default(12345),
    })
    .default({ seed: 12345 }),
  output: z.strictObject({ dir: z.string().min(1).default('pesfit-out') }).default({ dir: 'pesfit-out' }),
});

export type RawConfig = z.infer<typeof ConfigSchema>;
export type RawModel = z.infer<typeof ModelSchema>;
export type RawDataEntry = z.infer<typeof DataEntrySchema>;
