import { startEmulator, type Emulator } from '../../emulator/server';

/**
 * Starts named provider emulators in the extension host for a mocha suite and closes them after it;
 * the returned record is filled in `before`.
 */
export function emulatorsFor<N extends string>(...names: N[]): Record<N, Emulator> {
  const emulators = {} as Record<N, Emulator>;
  before(async () => {
    for (const name of names) emulators[name] = await startEmulator({ name, reply: `Hello from ${name}.` });
  });
  beforeEach(() => {
    for (const name of names) emulators[name].reset();
  });
  after(async () => {
    await Promise.all(names.map((name) => emulators[name]?.close()));
  });
  return emulators;
}

/** Every string in a request body, one per line: the prompt text in any provider's format. */
export function textOf(body: unknown): string {
  if (typeof body === 'string') return body;
  if (Array.isArray(body)) return body.map(textOf).join('\n');
  if (body && typeof body === 'object') return Object.values(body).map(textOf).join('\n');
  return '';
}

/** The request's header value, whatever its case. */
export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}
