export const EXIT = {
  ok: 0,
  /** Internal failure of the CLI itself. */
  failure: 1,
  badInput: 2,
  allProvidersFailed: 3,
  budgetExceeded: 4,
  interrupted: 130,
} as const;

/** Bad arguments or configuration: exit 2 with the message on stderr. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
