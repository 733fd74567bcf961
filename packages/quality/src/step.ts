import type { StepModule } from '@foxden/core';
import { qualityClassifierStep } from './classifier/quality-classifier-step.js';
import { languageFilterStep } from './language/language-filter-step.js';
import { piiScrubStep } from './pii/pii-step.js';
import { c4FilterStep, finewebFilterStep, gopherQualityStep, gopherRepetitionStep } from './steps/heuristic-steps.js';

export const steps: StepModule<any>[] = [
  gopherQualityStep, gopherRepetitionStep, c4FilterStep, finewebFilterStep, languageFilterStep, qualityClassifierStep, piiScrubStep,
];
