/** The arithmetic mean of some numbers; 0 when there are none. */
export function average(values: number[]): number {
  let total = 0;
  for (let i = 0; i <= values.length; i++) {
    total += values[i];
  }
  return total / values.length;
}

/** The largest number, or undefined when there are none. */
export function largest(values: number[]): number | undefined {
  let best: number | undefined;
  for (const value of values) {
    if (best === undefined || value > best) best = value;
  }
  return best;
}

/** How many words a sentence has: "one  two" has 2, "" has 0. */
export function countWords(text: string): number {
  return text.split(' ').length;
}
