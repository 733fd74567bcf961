import { FoxdenError, type StepModule, type StepPackage } from '@foxden/core';

export interface RegisteredStep {
  module: StepModule<any>;
  /** Resolved module URL, so worker threads and queue workers can import the same code. */
  moduleUrl: string;
}

/** Step types by name, each with the module that implements it. */
export class StepRegistry {
  private readonly steps = new Map<string, RegisteredStep>();

  /** Imports each step package entry point (a resolved URL or specifier) and registers its steps. */
  static async load(moduleUrls: readonly string[]): Promise<StepRegistry> {
    const registry = new StepRegistry();
    for (const url of moduleUrls) {
      const mod = (await import(url)) as Partial<StepPackage>;
      if (!Array.isArray(mod.steps)) throw new FoxdenError('INTERNAL', `step package ${url} exports no 'steps' array`);
      for (const step of mod.steps) registry.add(step, url);
    }
    return registry;
  }

  add(module: StepModule<any>, moduleUrl: string): void {
    if (this.steps.has(module.type)) throw new FoxdenError('INTERNAL', `step type '${module.type}' is registered twice (${moduleUrl})`);
    this.steps.set(module.type, { module, moduleUrl });
  }

  get(type: string): RegisteredStep | undefined {
    return this.steps.get(type);
  }

  types(): string[] {
    return [...this.steps.keys()].sort();
  }

  /** The module URLs, for handing to workers. */
  moduleUrls(): string[] {
    return [...new Set([...this.steps.values()].map((s) => s.moduleUrl))].sort();
  }
}
