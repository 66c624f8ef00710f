/**
 * Regenerates this folder's demo data from the mlearn Mo data set (../shared/data/mlearn/Mo, Zuo et al. 2020):
 * a fixed subset of 40 training configurations (evenly spaced within each group, by record order) and all 23 test
 * configurations, written as extxyz by pesfit. Stress: the diagonal only (the mlearn off-diagonal order is not
 * reliable for Mo; see ../shared/data/mlearn/README.md), kept as `stress_mask`.
 * Run from the repository root: node --import tsx data/mlearn-Mo/make-subset.ts
 */
import { join } from 'node:path';
import { readConfigurations } from '../../src/io/formats.ts';
import { writeExtxyz } from '../../src/io/extxyz.ts';
import type { Configuration } from '../../src/structure/types.ts';

const SRC = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'mlearn', 'Mo');
const OUT = import.meta.dirname;
/** Training configurations taken per group (about proportional to the groups' sizes, small groups kept visible). */
export const PER_GROUP: Record<string, number> = { 'AIMD-NVT': 16, Elastic: 12, Surface: 4, Vacancy: 8 };

function evenly<T>(list: T[], k: number): T[] {
  if (k >= list.length) return list;
  return Array.from({ length: k }, (_, i) => list[Math.floor((i * list.length) / k)]);
}

const train = readConfigurations(join(SRC, 'training.json'), { stress: 'diagonal' });
const picked: Configuration[] = [];
for (const [group, k] of Object.entries(PER_GROUP)) picked.push(...evenly(train.filter((c) => c.group === group), k));
picked.sort((a, b) => a.source.frame - b.source.frame);
for (const c of picked) c.info.mlearn_index = c.source.frame;
const test = readConfigurations(join(SRC, 'test.json'), { stress: 'diagonal' });
for (const c of test) c.info.mlearn_index = c.source.frame;
writeExtxyz(join(OUT, 'train.xyz'), picked);
writeExtxyz(join(OUT, 'test.xyz'), test);
console.log(`wrote ${picked.length} training and ${test.length} test configurations`);
