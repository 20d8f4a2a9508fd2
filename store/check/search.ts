// Wing & Gong's search for a linearization of one (partition of a) history,
// with Lowe's memoization, as Porcupine does it; iterative, with an explicit
// stack, because a history can hold thousands of operations per key.
//
// The search walks the event list from its head. At a call event it tries to
// linearize that operation next: if the model accepts the operation's output
// and the resulting configuration is new (memo-cache.ts), it pushes the
// choice, lifts the operation's events out of the list and starts again from
// the head. Reaching a return event means the operation returning there
// should have been linearized by now but was not, so every candidate has been
// tried: pop the latest choice, restore the state and events, and go on from
// the event after its call. Popping an empty stack means every order failed.
//
// Operations with an infinite return (outcome unknown) are optional: their
// return event sits at the very end, so they can be linearized anywhere after
// their call. The search succeeds once every required operation (finite
// return) is linearized: the optional ones still pending can then go last,
// after everything observed, which is indistinguishable from never taking
// effect. Three departures from Porcupine keep many pending optional
// operations from making the search exponential, or needlessly slow
// (memo-cache.ts explains the subsumption the first two feed):
//  - at each configuration, required candidates are tried before optional
//    ones, so a timed-out write is placed only where something observed needs
//    it, and configurations reached without it are recorded first;
//  - the optional children of a configuration are all recorded before the
//    first is explored, so a chain "u1 then u2" is subsumed by "u2" alone
//    whenever both end in the same state (as consecutive writes do);
//  - optional operations have their own event list, so the walk over required
//    candidates does not step over every pending optional call each time.

import { Bitset } from './bitset.js';
import { invariant } from './errors.js';
import { EventList, callEvent, isCallEvent, operationOf } from './event-list.js';
import { MemoCache } from './memo-cache.js';
import type { SearchBudget } from './search-budget.js';
import type { Model, Operation } from './types.js';

export type SearchOutcome<S> =
  | { kind: 'linearizable' }
  | {
      kind: 'illegal';
      /** One of the longest orders of operations (indices) the model accepted, and its end state. */
      longestPrefix: number[];
      stateAfterPrefix: S;
    }
  | { kind: 'budget-exhausted' };

/** An optional operation recorded as a child of a configuration, waiting to be explored. */
interface QueuedChild<S> {
  op: number;
  /** The state after applying `op`. */
  state: S;
}

interface Choice<S> {
  op: number;
  /** The state before `op` was applied, restored when the choice is undone. */
  stateBefore: S;
  /** For an optional choice: its recorded siblings still to explore after it; else undefined. */
  siblings: QueuedChild<S>[] | undefined;
}

export function searchLinearization<S, I, O>(
  model: Model<S, I, O>,
  operations: readonly Operation<I, O>[],
  budget: SearchBudget,
): SearchOutcome<S> {
  return new Search(model, operations, budget).run();
}

class Search<S, I, O> {
  private readonly optional: boolean[];
  /** The events of required operations; the search walks these. */
  private readonly events: EventList;
  /**
   * The events of optional operations, kept apart so that the pending ones, which accumulate
   * (nothing forces them out), do not lengthen every walk over the required events.
   */
  private readonly optionalEvents: EventList;
  private readonly requiredDone: Bitset;
  private readonly optionalDone: Bitset;
  private readonly cache = new MemoCache();
  private readonly choices: Choice<S>[] = [];
  private readonly longest: LongestPrefix<S>;
  private state: S;
  /** Invariant: the number of required operations not yet linearized. */
  private requiredLeft: number;

  constructor(
    private readonly model: Model<S, I, O>,
    private readonly operations: readonly Operation<I, O>[],
    private readonly budget: SearchBudget,
  ) {
    this.optional = operations.map((op) => op.return === Infinity);
    this.events = new EventList(operations, (op) => !this.optional[op]);
    this.optionalEvents = new EventList(operations, (op) => this.optional[op]!);
    this.requiredDone = new Bitset(operations.length);
    this.optionalDone = new Bitset(operations.length);
    this.state = model.init();
    this.longest = new LongestPrefix(this.state);
    this.requiredLeft = this.optional.filter((optional) => !optional).length;
  }

  run(): SearchOutcome<S> {
    let event = this.events.first();
    while (this.requiredLeft > 0) {
      if (!this.budget.spend()) return { kind: 'budget-exhausted' };
      invariant(event !== this.events.tail, 'search ran past the last return event');
      if (isCallEvent(event)) {
        event = this.tryRequired(event) ? this.events.first() : this.events.after(event);
        continue;
      }
      // Every required candidate of this configuration has been tried: the optional ones next.
      const children = this.recordOptionalChildren(this.operations[operationOf(event)]!.return);
      if (children === undefined) return { kind: 'budget-exhausted' };
      const resumeAt = this.descendIntoNext(children) ? this.events.first() : this.backtrack();
      if (resumeAt === 'exhausted') return { kind: 'budget-exhausted' };
      if (resumeAt === 'no-linearization') {
        return {
          kind: 'illegal',
          longestPrefix: this.longest.prefix,
          stateAfterPrefix: this.longest.state,
        };
      }
      event = resumeAt;
    }
    return { kind: 'linearizable' };
  }

  /** Linearizes required `op` next if the model accepts it and that configuration is new. */
  private tryRequired(event: number): boolean {
    const op = operationOf(event);
    const candidate = this.operations[op]!;
    const result = this.model.step(this.state, candidate.input, candidate.output);
    if (!result.ok || !this.visitIfNew(op, result.state)) return false;
    this.apply(op, result.state, undefined);
    return true;
  }

  /**
   * Records every new configuration one optional operation away, and returns them to explore in
   * call order; undefined when the budget runs out. The candidates are the pending optional
   * operations called no later than `firstReturn`, the earliest return of a required operation
   * still pending (at equal times a call comes first: see event-list.ts).
   */
  private recordOptionalChildren(firstReturn: number): QueuedChild<S>[] | undefined {
    const children: QueuedChild<S>[] = [];
    const pending = this.optionalEvents;
    for (let e = pending.first(); isCallEvent(e); e = pending.after(e)) {
      const op = operationOf(e);
      const candidate = this.operations[op]!;
      if (candidate.call > firstReturn) break;
      if (!this.budget.spend()) return undefined;
      const result = this.model.step(this.state, candidate.input, candidate.output);
      if (result.ok && this.visitIfNew(op, result.state)) {
        children.push({ op, state: result.state });
      }
    }
    return children;
  }

  /** Records the configuration reached by linearizing `op` next, ending in `state`, if new. */
  private visitIfNew(op: number, state: S): boolean {
    const set = this.optional[op] ? this.optionalDone : this.requiredDone;
    set.add(op);
    const isNew = this.cache.visitIfNew(
      this.requiredDone,
      this.model.hash(state),
      this.optionalDone,
    );
    set.delete(op);
    return isNew;
  }

  /** Linearizes the first of `children` next, keeping the rest as its siblings. */
  private descendIntoNext(children: QueuedChild<S>[]): boolean {
    const next = children.shift();
    if (next === undefined) return false;
    this.apply(next.op, next.state, children);
    return true;
  }

  private apply(op: number, state: S, siblings: QueuedChild<S>[] | undefined): void {
    this.choices.push({ op, stateBefore: this.state, siblings });
    (this.optional[op] ? this.optionalDone : this.requiredDone).add(op);
    if (!this.optional[op]) this.requiredLeft--;
    (this.optional[op] ? this.optionalEvents : this.events).lift(op);
    this.state = state;
    this.longest.reached(this.choices.length, state);
  }

  /**
   * Undoes choices until one leaves something to try: a required choice resumes the scan after its
   * call; an optional one moves on to its next sibling. Returns the event to resume at.
   */
  private backtrack(): number | 'no-linearization' | 'exhausted' {
    while (true) {
      if (!this.budget.spend()) return 'exhausted';
      this.longest.leaving(this.choices);
      const choice = this.choices.pop();
      if (choice === undefined) return 'no-linearization';
      const { op } = choice;
      (this.optional[op] ? this.optionalDone : this.requiredDone).delete(op);
      if (!this.optional[op]) this.requiredLeft++;
      (this.optional[op] ? this.optionalEvents : this.events).unlift(op);
      this.state = choice.stateBefore;
      if (choice.siblings === undefined) return this.events.after(callEvent(op));
      if (this.descendIntoNext(choice.siblings)) return this.events.first();
    }
  }
}

/**
 * Remembers one of the deepest stacks of choices, to explain a failure. Copying the stack on every
 * new depth record would be quadratic in a long successful search, so the copy is taken lazily:
 * only when the search starts to backtrack from a record depth.
 */
class LongestPrefix<S> {
  prefix: number[] = [];
  private depth = 0;
  private pendingCopy = false;

  constructor(public state: S) {}

  reached(depth: number, state: S): void {
    if (depth > this.depth) {
      this.depth = depth;
      this.state = state;
      this.pendingCopy = true;
    }
  }

  leaving(choices: readonly Choice<unknown>[]): void {
    if (!this.pendingCopy) return;
    invariant(choices.length === this.depth, 'backtracking from a record depth not yet reached');
    this.prefix = choices.map((c) => c.op);
    this.pendingCopy = false;
  }
}
