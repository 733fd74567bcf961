/** The typed arrays a GrowableArray can hold. */
export type GrowableArrayType = Int32Array | Uint32Array | Float64Array;

/**
 * A typed array that grows as values are pushed (doubling its capacity), for
 * collecting millions of numbers without arrays of objects or boxed numbers.
 * `data` holds the values up to `length`; the rest is spare capacity.
 */
export class GrowableArray<A extends GrowableArrayType> {
  data: A;
  length = 0;
  private readonly make: (length: number) => A;

  /** `type` is the typed array constructor, e.g. `new GrowableArray(Int32Array)`. */
  constructor(type: new (length: number) => A, capacity = 1024) {
    this.make = (length) => new type(length);
    this.data = this.make(Math.max(1, capacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  /** A copy of the values pushed so far, exactly `length` long. */
  toArray(): A {
    return this.data.slice(0, this.length) as A;
  }
}
