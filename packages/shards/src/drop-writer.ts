import { DROP_COLUMNS, shardPath, type DropRecord, type TaskContext, type TaskSpec } from '@foxden/core';
import { ShardWriter } from './shard-writer.js';

/** Writes drop records of one task to `drops/<phase>-<task>.arrow`. */
export class DropWriter {
  private pending: DropRecord[] = [];
  private constructor(private readonly writer: ShardWriter) {}

  static async create(task: TaskSpec, ctx: TaskContext<any>): Promise<DropWriter> {
    const writer = await ShardWriter.create({
      runDir: ctx.runDir, path: shardPath(ctx.stepDir, 'drops', ctx.phase, task.id),
      kind: 'drops', columns: DROP_COLUMNS, metadata: { 'foxden.step': ctx.stepName },
    });
    return new DropWriter(writer);
  }

  add(drop: DropRecord): void {
    this.pending.push(drop);
  }

  async flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    for (const r of rows) await this.writer.append({ source: null, offset: null, ...r });
  }

  async close() {
    await this.flush();
    return this.writer.close();
  }

  async abort(): Promise<void> {
    await this.writer.abort();
  }
}
