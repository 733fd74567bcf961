import { DOCUMENT_COLUMNS, FoxdenError, stepDirName } from '@foxden/core';
import type { ResolvedPipeline } from './load-pipeline.js';
import type { StepRegistry } from './registry.js';

/**
 * Runs every step's own checks (a model file loads, a tokenizer parses)
 * before any work, so that a typo in the last step's params does not surface
 * after hours of the first steps. Errors name the pipeline file and the step.
 */
export async function validateSteps(pipeline: ResolvedPipeline, registry: StepRegistry): Promise<void> {
  for (const [index, step] of pipeline.steps.entries()) {
    const registered = registry.get(step.type);
    if (!registered) throw new FoxdenError('BAD_CONFIG', `${pipeline.file}: unknown step type '${step.type}'`);
    if (!registered.module.validate) continue;
    try {
      await registered.module.validate({
        runDir: pipeline.output, stepIndex: index, stepName: step.name, stepType: step.type, stepDir: stepDirName(index, step.name), phase: '',
        params: step.params, seed: pipeline.seed, inputs: pipeline.inputs, pipelineDir: pipeline.dir, history: [], phaseOutputs: [],
        inputColumns: [...DOCUMENT_COLUMNS],
      });
    } catch (error) {
      const e = FoxdenError.from(error, 'BAD_CONFIG');
      throw new FoxdenError(e.code, `${pipeline.file}: /steps/${index}/params (step '${step.name}'): ${e.message}`, { cause: error });
    }
  }
}
