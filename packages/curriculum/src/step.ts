import type { StepModule } from '@foxden/core';
import { curriculumStep } from './curriculum-step.js';

export const steps: StepModule<any>[] = [curriculumStep];
