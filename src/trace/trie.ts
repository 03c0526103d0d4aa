/**
 * A byte trie (a DFA over ASCII) for recognising a fixed set of words,
 * fed one byte at a time while the scanner looks for the word's end. It
 * recognises event names and field keys exactly in one pass, with one
 * table read per byte: no hashing, no second comparison pass.
 */

/** The state every walk starts in. */
export const TRIE_ROOT = 1;
/** The state of a walk that left the trie; it stays there. */
export const TRIE_DEAD = 0;

const ALPHABET_BITS = 7; // ASCII; other bytes lead to TRIE_DEAD

export class ByteTrie {
  private constructor(
    /** next[(state << 7) | byte] is the following state. */
    private readonly next: Int16Array,
    /** value[state] is the index of the word ending in `state`, or -1. */
    private readonly values: Int16Array,
  ) {}

  /** A trie of `words`; a walk over words[i] ends in a state whose value is i. */
  static build(words: readonly string[]): ByteTrie {
    const rows: number[][] = [new Array<number>(1 << ALPHABET_BITS).fill(TRIE_DEAD), new Array<number>(1 << ALPHABET_BITS).fill(TRIE_DEAD)];
    const values: number[] = [-1, -1];
    words.forEach((word, index) => {
      let state = TRIE_ROOT;
      for (const ch of word) {
        const c = ch.charCodeAt(0);
        if (c >= 1 << ALPHABET_BITS) throw new Error(`ByteTrie: non-ASCII word ${word}`);
        if (rows[state][c] === TRIE_DEAD) {
          rows[state][c] = rows.length;
          rows.push(new Array<number>(1 << ALPHABET_BITS).fill(TRIE_DEAD));
          values.push(-1);
        }
        state = rows[state][c];
      }
      values[state] = index;
    });
    return new ByteTrie(Int16Array.from(rows.flat()), Int16Array.from(values));
  }

  /** The state after reading byte `c` in `state`. */
  step(state: number, c: number): number {
    return c < 1 << ALPHABET_BITS ? this.next[(state << ALPHABET_BITS) | c] : TRIE_DEAD;
  }

  /** Index of the word that ends in `state`, or -1. */
  value(state: number): number {
    return this.values[state];
  }
}
