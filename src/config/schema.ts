/**
 * The schema of a `pesfit fit` config file (YAML), validated once by zod into typed data. Every object is strict:
 * an unknown key is an error naming its key path. Defaults live here, next to the types.
 *
 * Sections (units: σ_E eV/atom, σ_F eV/Å, σ_S eV/Å³; lengths Å):
 *   data:           {train: [entry, ...], test?: [entry, ...]}; entry = path | {path, format?, group?, stress?, weight?}
 *   model:          {kind, elements, cutoff, cutoff_function?, params?} or {from_lammps, style, elements}
 *                   (from_lammps: a file, or [coeff, param] files for style snap)
 *                   (params are checked per kind in config/model.ts)
 *   objective:      {sigma: auto | {energy?, force?, stress?}, sigma_per_group, groups, energy_offset, balance, energy_normalization, weights,
 *                    properties}; properties: [{property, structure, element, target, sigma, relax_ions?, supercell?,
 *                    plane?, guess?}] (units: a0 Å, ecoh eV/atom, evac eV, Cij and bulk_modulus GPa, esurf J/m²;
 *                    fit/properties.ts)
 *   regularization: {ridge: number | auto, smoothness: number | auto, standardize: auto | true | false}
 *   solver:         {method: auto | linear | lm | lbfgs | de, max_iterations}
 *   validation:     {cv?: {folds, seed?} | {by: group}, split?, seed?}
 *   output:         {dir}
 */
import { z } from 'zod';
import { READ_FORMATS } from '../io/formats.ts';
import { PROPERTY_NAMES, PROPERTY_STRUCTURES, SURFACE_PLANES } from '../fit/properties.ts';

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
export const LAMMPS_STYLES = ['eam', 'eam/alloy', 'eam/fs', 'tersoff', 'sw', 'snap'] as const;

export const ModelSchema = z.strictObject({
  kind: z.enum(MODEL_KINDS).optional(),
  elements: z.array(z.string().min(1)).min(1),
  cutoff: positive.optional(),
  cutoff_function: CutoffFunctionSchema.optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  /** One potential file, or for style snap the pair [.snapcoeff, .snapparam]. */
  from_lammps: z.union([z.string().min(1), z.tuple([z.string().min(1), z.string().min(1)])]).optional(),
  style: z.enum(LAMMPS_STYLES).optional(),
});

const Strength = z.union([nonNegative, z.literal('auto')]);

/** One material-property target (fit/properties.ts); cross-field checks (element in the model, …) in load.ts. */
export const PropertyTargetSchema = z.strictObject({
  property: z.enum(PROPERTY_NAMES),
  structure: z.enum(PROPERTY_STRUCTURES as [string, ...string[]]),
  element: z.string().min(1),
  target: z.number(),
  sigma: positive,
  relax_ions: z.boolean().optional(),
  supercell: z.union([z.number().int().min(1), z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1)])]).optional(),
  plane: z.enum(SURFACE_PLANES as [string, ...string[]]).optional(),
  guess: positive.optional(),
});

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
      balance: z.enum(['none', 'lambda-star', 'cv']).default('lambda-star'),
      energy_normalization: z.enum(['sqrt-atoms', 'atoms']).default('sqrt-atoms'),
      weights: z.strictObject({ energy: nonNegative.default(1), force: nonNegative.default(1), stress: nonNegative.default(1) }).default({ energy: 1, force: 1, stress: 1 }),
      /** Material properties as extra Gaussian data (fit/properties.ts). */
      properties: z.array(PropertyTargetSchema).default([]),
    })
    .default({ sigma: 'auto', sigma_per_group: false, groups: {}, energy_offset: 'per-species', balance: 'lambda-star', energy_normalization: 'sqrt-atoms', weights: { energy: 1, force: 1, stress: 1 }, properties: [] }),
  regularization: z
    .strictObject({
      ridge: Strength.default(0),
      smoothness: Strength.default(0),
      /** Ridge on standardised columns (regularization.ts standardizedRidgeWeights); auto: chosen by balance cv with ridge auto, else off. */
      standardize: z.union([z.literal('auto'), z.boolean()]).default('auto'),
    })
    .default({ ridge: 0, smoothness: 0, standardize: 'auto' }),
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
export type RawPropertyTarget = z.infer<typeof PropertyTargetSchema>;
