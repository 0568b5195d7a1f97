/**
 * Waiting in tests: on a condition, never on time. A deadline only ends a test that would otherwise
 * hang, so it is generous (a machine busy with other work must never reach it) and its failure says
 * what was awaited and the last value seen.
 */

/** Long enough that only a hung condition reaches it, on a machine busy with other work too. */
export const DEFAULT_DEADLINE_MS = 120_000;

/** How often a condition is looked at again. */
const POLL_MS = 25;

export interface WaitOptions {
  /** What is awaited, as the failure should name it ("every event at Heap"). */
  what: string;
  /** Ends a hung wait; never the thing a test asserts. */
  deadlineMs?: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
  } catch {
    return String(value);
  }
}

/**
 * Resolves with the first value `read` gives that `accept` takes; a read that throws counts as not yet.
 * Fails after the deadline naming `what` and the last value (or error) read: a count or a list says
 * more than "false".
 */
export async function waitUntil<T>(read: () => T | Promise<T>, accept: (value: T) => boolean, { what, deadlineMs = DEFAULT_DEADLINE_MS }: WaitOptions): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let last: unknown = 'nothing (no look finished)';
  for (;;) {
    try {
      const value = await read();
      last = value;
      if (accept(value)) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`waited ${Math.round(deadlineMs / 1000)} s for ${what}; last seen: ${describeValue(last)}`);
    await pause(POLL_MS);
  }
}

/** Resolves once `check` answers true (or another truthy value, which it resolves with). */
export function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions): Promise<T> {
  return waitUntil(check, Boolean, options);
}

/**
 * "Nothing happens", shown by a condition: `check` must hold before and after each of `rounds` steps
 * that `round` drives the system through and knows to be complete (a later marker event processed,
 * a poll answered). `rounds` counts those steps, never time. Fails at the first look where `check`
 * answers false, naming `what`.
 */
export async function stays(check: () => boolean | Promise<boolean>, { what, rounds, round }: { what: string; rounds: number; round: (index: number) => Promise<unknown> }): Promise<void> {
  for (let index = 0; index <= rounds; index++) {
    if (!(await check())) throw new Error(`${what} stopped holding after ${index} of ${rounds} rounds`);
    if (index < rounds) await round(index);
  }
}
