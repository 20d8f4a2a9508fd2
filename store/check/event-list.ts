// The history as Wing & Gong's search walks it: every operation contributes a
// call event and a return event, sorted by time into one doubly linked list.
// Linearizing an operation "lifts" both of its events out of the list; undoing
// that puts them back. Lifts are undone in reverse order (the search is a
// stack), so the removed nodes still remember their neighbours and relinking
// is O(1) (Knuth's dancing links).
//
// Events are small integers: operation i has call event 2i and return event
// 2i + 1. Two sentinels, `head` and `tail`, bracket the list.
//
// Real-time order: operation A precedes B only when A.return < B.call,
// strictly. At equal times calls sort before returns, so an operation that
// returns at the instant another is called overlaps it and the two may be
// linearized in either order. This is the permissive reading: two events
// stamped with the same tick (or nanosecond) may have happened in either order.

import { invariant } from './errors.js';

/** The time-ordering of events; only `call` and `return` of each operation are read. */
export interface TimedOperation {
  call: number;
  return: number;
}

export function callEvent(op: number): number {
  return 2 * op;
}

export function returnEvent(op: number): number {
  return 2 * op + 1;
}

export function isCallEvent(event: number): boolean {
  return (event & 1) === 0;
}

export function operationOf(event: number): number {
  return event >>> 1;
}

export class EventList {
  readonly head: number;
  readonly tail: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;

  /** Links the events of the operations `included` selects (all by default); the rest stay out. */
  constructor(
    operations: readonly TimedOperation[],
    included: (op: number) => boolean = () => true,
  ) {
    const events = 2 * operations.length;
    this.head = events;
    this.tail = events + 1;
    this.next = new Int32Array(events + 2);
    this.prev = new Int32Array(events + 2);
    let last = this.head;
    for (const event of sortedEvents(operations, included)) {
      this.next[last] = event;
      this.prev[event] = last;
      last = event;
    }
    this.next[last] = this.tail;
    this.prev[this.tail] = last;
    this.next[this.tail] = this.tail;
    this.prev[this.head] = this.head;
  }

  first(): number {
    return this.next[this.head]!;
  }

  after(event: number): number {
    invariant(event !== this.tail, 'no event after the tail');
    return this.next[event]!;
  }

  /** Removes both events of operation `op`; undo with `unlift(op)`, in reverse order of lifts. */
  lift(op: number): void {
    this.unlink(callEvent(op));
    this.unlink(returnEvent(op));
  }

  /** Restores the events removed by the most recent `lift` not yet undone, which must be `op`'s. */
  unlift(op: number): void {
    this.relink(returnEvent(op));
    this.relink(callEvent(op));
  }

  private unlink(event: number): void {
    const before = this.prev[event]!;
    const after = this.next[event]!;
    this.next[before] = after;
    this.prev[after] = before;
  }

  private relink(event: number): void {
    const before = this.prev[event]!;
    const after = this.next[event]!;
    invariant(
      this.next[before] === after && this.prev[after] === before,
      `event ${event} is relinked out of order`,
    );
    this.next[before] = event;
    this.prev[after] = event;
  }
}

/**
 * Events by time; at equal times calls before returns (see the file comment), then by operation
 * index, so the order, and with it the whole search, is deterministic.
 */
function sortedEvents(
  operations: readonly TimedOperation[],
  included: (op: number) => boolean,
): number[] {
  const events: number[] = [];
  for (let op = 0; op < operations.length; op++) {
    if (included(op)) events.push(callEvent(op), returnEvent(op));
  }
  const timeOf = (event: number): number => {
    const op = operations[operationOf(event)]!;
    return isCallEvent(event) ? op.call : op.return;
  };
  return events.sort((a, b) => {
    const ta = timeOf(a);
    const tb = timeOf(b);
    if (ta !== tb) return ta < tb ? -1 : 1;
    const kindA = a & 1;
    const kindB = b & 1;
    if (kindA !== kindB) return kindA - kindB;
    return a - b;
  });
}
