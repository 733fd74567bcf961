import {
  Bool, Data, Field, Float32, Float64, Int32, Int64, List, Schema, Struct, Uint32, Utf8, makeData,
  type DataType,
} from '#apache-arrow';
import { FoxdenError, type ColumnSpec, type ColumnType } from '@foxden/core';

const encoder = new TextEncoder();

export function arrowType(type: ColumnType): DataType {
  switch (type) {
    case 'utf8': return new Utf8();
    case 'float64': return new Float64();
    case 'float32': return new Float32();
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'uint32': return new Uint32();
    case 'bool': return new Bool();
    case 'list<uint32>': return new List(new Field('item', new Uint32(), false));
    case 'list<int32>': return new List(new Field('item', new Int32(), false));
    case 'list<utf8>': return new List(new Field('item', new Utf8(), false));
  }
}

/** Maps an Arrow type back to the column type names foxden uses (for shards written by foxden). */
export function columnTypeOf(type: DataType): ColumnType {
  const text = String(type);
  const table: Record<string, ColumnType> = {
    Utf8: 'utf8', Float64: 'float64', Float32: 'float32', Int32: 'int32', Int64: 'int64', Uint32: 'uint32', Bool: 'bool',
    'List<Uint32>': 'list<uint32>', 'List<Int32>': 'list<int32>', 'List<Utf8>': 'list<utf8>',
  };
  const found = table[text];
  if (!found) throw new FoxdenError('CORRUPT_INTERMEDIATE', `unsupported Arrow column type ${text}`);
  return found;
}

export function arrowSchema(columns: readonly ColumnSpec[], metadata: Record<string, string> = {}): Schema {
  const fields = columns.map((c) => new Field(c.name, arrowType(c.type), c.nullable ?? true));
  return new Schema(fields, new Map(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function validity(values: readonly unknown[], nullable: boolean, column: string): { bitmap: Uint8Array | undefined; nulls: number } {
  let nulls = 0;
  for (const v of values) if (v === null || v === undefined) nulls++;
  if (nulls === 0) return { bitmap: undefined, nulls: 0 };
  if (!nullable) throw new FoxdenError('INTERNAL', `column '${column}' is not nullable but ${nulls} rows have no value`);
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v !== null && v !== undefined) bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { bitmap, nulls };
}

/** Builds one Arrow column from row values. Text and token lists are laid out directly for speed. */
export function buildColumn(spec: ColumnSpec, values: readonly unknown[]): Data {
  const type = arrowType(spec.type);
  const length = values.length;
  const { bitmap, nulls } = validity(values, spec.nullable ?? true, spec.name);
  const base = { length, nullCount: nulls, ...(bitmap ? { nullBitmap: bitmap } : {}) };
  switch (spec.type) {
    case 'utf8': {
      const parts: Uint8Array[] = new Array(length);
      const offsets = new Int32Array(length + 1);
      let total = 0;
      for (let i = 0; i < length; i++) {
        const v = values[i];
        // Bytes are text read as UTF-8 bytes (ShardReader.rowBatches' utf8Bytes), written as they are.
        const bytes = v === null || v === undefined ? new Uint8Array(0) : v instanceof Uint8Array ? v : encoder.encode(String(v));
        parts[i] = bytes;
        total += bytes.length;
        if (total > 0x7fffffff) throw new FoxdenError('INTERNAL', `column '${spec.name}' exceeds 2 GiB in one batch; lower the batch size`);
        offsets[i + 1] = total;
      }
      // Unzeroed: every byte is written below.
      const data = Buffer.allocUnsafe(total);
      for (let i = 0; i < length; i++) data.set(parts[i]!, offsets[i]!);
      return makeData({ type: type as Utf8, ...base, valueOffsets: offsets, data });
    }
    case 'list<uint32>':
    case 'list<int32>': {
      const offsets = new Int32Array(length + 1);
      let total = 0;
      for (let i = 0; i < length; i++) {
        const v = values[i] as ArrayLike<number> | null | undefined;
        total += v ? v.length : 0;
        offsets[i + 1] = total;
      }
      const flat = spec.type === 'list<uint32>' ? new Uint32Array(total) : new Int32Array(total);
      for (let i = 0; i < length; i++) {
        const v = values[i] as ArrayLike<number> | null | undefined;
        if (v) flat.set(v, offsets[i]!);
      }
      const childType = spec.type === 'list<uint32>' ? new Uint32() : new Int32();
      const child = makeData({ type: childType, length: total, nullCount: 0, data: flat as never });
      return makeData({ type: type as List, ...base, valueOffsets: offsets, child });
    }
    case 'list<utf8>': {
      const offsets = new Int32Array(length + 1);
      const flat: string[] = [];
      for (let i = 0; i < length; i++) {
        const v = values[i] as readonly string[] | null | undefined;
        if (v) for (const item of v) flat.push(item);
        offsets[i + 1] = flat.length;
      }
      const child = buildColumn({ name: `${spec.name}.item`, type: 'utf8', nullable: false }, flat);
      return makeData({ type: type as List, ...base, valueOffsets: offsets, child });
    }
    case 'bool': {
      const data = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++) if (values[i] === true) data[i >> 3]! |= 1 << (i & 7);
      return makeData({ type: type as Bool, ...base, data });
    }
    case 'int64': {
      const data = new BigInt64Array(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        data[i] = v === null || v === undefined ? 0n : BigInt(v as number | bigint);
      }
      return makeData({ type: type as Int64, ...base, data });
    }
    default: {
      const Ctor = { float64: Float64Array, float32: Float32Array, int32: Int32Array, uint32: Uint32Array }[spec.type];
      const data = new Ctor(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        data[i] = v === null || v === undefined ? 0 : Number(v);
      }
      return makeData({ type: type as never, ...base, data: data as never });
    }
  }
}

export function structData(schema: Schema, children: Data[], length: number): Data<Struct> {
  return makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
}
