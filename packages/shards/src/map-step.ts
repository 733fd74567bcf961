import { withColumns, type ColumnSpec, type StepContext, type StepModule, type TaskContext } from '@foxden/core';
import { planPerShard, runDocumentTask, type DocumentTransform } from './document-task.js';

/** What a map step needs per task: a transform and, for steps holding a process, a way to release it. */
export interface PreparedTransform {
  transform: DocumentTransform;
  close?(): Promise<void>;
}

export interface MapStepSpec<P> {
  type: string;
  description: string;
  paramsSchema: Record<string, unknown>;
  /** Columns the step adds (default none). */
  addedColumns?: (params: P) => ColumnSpec[];
  validate?: (ctx: StepContext<P>) => Promise<void>;
  prepare: (ctx: TaskContext<P>) => Promise<PreparedTransform> | PreparedTransform;
}

/** A one-phase document-to-document step over the previous step's shards, one task per shard. */
export function mapStep<P>(spec: MapStepSpec<P>): StepModule<P> {
  const outputColumns = (input: ColumnSpec[], params: P): ColumnSpec[] => withColumns(input, spec.addedColumns ? spec.addedColumns(params) : []);
  return {
    type: spec.type,
    description: spec.description,
    paramsSchema: spec.paramsSchema,
    outputColumns,
    ...(spec.validate ? { validate: spec.validate } : {}),
    phases: [
      {
        name: 'main',
        carriesDocuments: true,
        plan: (ctx) => planPerShard(ctx),
        async run(task, ctx) {
          const prepared = await spec.prepare(ctx);
          try {
            return await runDocumentTask(task, ctx, { outputColumns: outputColumns(ctx.inputColumns, ctx.params), transform: prepared.transform });
          } finally {
            await prepared.close?.();
          }
        },
      },
    ],
  };
}
