import type { StepModule } from '@foxden/core';
import { exactDedupStep } from './exact-step.js';
import { minhashDedupStep } from './minhash-step.js';

export const steps: StepModule<any>[] = [exactDedupStep, minhashDedupStep];
