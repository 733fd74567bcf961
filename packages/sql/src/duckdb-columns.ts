import type { DuckDBType, DuckDBValue, DuckDBVector } from '@duckdb/node-api';
import { Type, type DataType, type Vector } from '@foxden/shards/arrow';
import { duckdb } from './duckdb.js';

const {
  BIGINT, BOOLEAN, DOUBLE, FLOAT, INTEGER, LIST, SMALLINT, TINYINT, UBIGINT, UINTEGER, USMALLINT, UTINYINT, VARCHAR, listValue,
} = duckdb;

/** The DuckDB type an Arrow column is exposed as, or null when the SQL layer cannot expose it. */
export function duckdbTypeOf(type: DataType): DuckDBType | null {
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8: return VARCHAR;
    case Type.Bool: return BOOLEAN;
    case Type.Float:
    case Type.Float16:
    case Type.Float32:
    case Type.Float64: return (type as { precision?: number }).precision === 2 ? DOUBLE : FLOAT;
    case Type.Int:
    case Type.Int8:
    case Type.Int16:
    case Type.Int32:
    case Type.Int64:
    case Type.Uint8:
    case Type.Uint16:
    case Type.Uint32:
    case Type.Uint64: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      if (isSigned) return bitWidth === 8 ? TINYINT : bitWidth === 16 ? SMALLINT : bitWidth === 32 ? INTEGER : BIGINT;
      return bitWidth === 8 ? UTINYINT : bitWidth === 16 ? USMALLINT : bitWidth === 32 ? UINTEGER : UBIGINT;
    }
    case Type.List: {
      const child = (type as unknown as { children: { type: DataType }[] }).children[0];
      const inner = child ? duckdbTypeOf(child.type) : null;
      return inner ? LIST(inner) : null;
    }
    default: return null;
  }
}

/**
 * Copies rows [from, from + count) of an Arrow vector into a DuckDB output
 * vector. Values go through the node-api's setItem, which checks ranges and
 * keeps validity; that costs a call per value, which is why the table
 * functions only ever copy the columns a query selects.
 */
export function copyColumn(source: Vector, target: DuckDBVector, from: number, count: number): void {
  const typeId = source.type.typeId;
  const isList = typeId === Type.List;
  const isFloat32 = (source.type as { precision?: number }).precision === 1;
  for (let i = 0; i < count; i++) {
    const v: unknown = source.get(from + i);
    let out: DuckDBValue;
    if (v === null || v === undefined) out = null;
    else if (isList) out = listValue(Array.from((v as Vector).toArray() as ArrayLike<DuckDBValue>));
    // Arrow float32 values come back as JS doubles; round-trip through Math.fround so DuckDB's FLOAT holds the stored value.
    else if (isFloat32) out = Math.fround(v as number);
    else out = v as DuckDBValue;
    target.setItem(i, out as never);
  }
  target.flush();
}
