import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

export interface GatewayToken {
  token: string;
  source: 'flag' | 'env' | 'stored' | 'generated';
  /** Where a stored or generated token lives. */
  file?: string;
}

export const TOKEN_FILE = 'gateway-token';

/** --token, else LLM_ROUTER_GATEWAY_TOKEN, else the token kept in the state dir (generated on first use, mode 0600). */
export async function resolveGatewayToken(opts: { flag?: string; env?: string; stateDir: string }): Promise<GatewayToken> {
  if (opts.flag) return { token: opts.flag, source: 'flag' };
  if (opts.env) return { token: opts.env, source: 'env' };
  const file = path.join(opts.stateDir, TOKEN_FILE);
  const stored = await readFile(file, 'utf8').then(
    (t) => t.trim(),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    },
  );
  if (stored !== '') {
    await chmod(file, 0o600);
    return { token: stored, source: 'stored', file };
  }
  const token = generateGatewayToken();
  await mkdir(opts.stateDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { token, source: 'generated', file };
}

/** A new random token, in the one format every gateway token has. */
export function generateGatewayToken(): string {
  return `llmr-${randomBytes(24).toString('base64url')}`;
}
