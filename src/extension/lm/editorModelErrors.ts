import { ProviderError, type ErrorClass } from '../../engine/errors';

/**
 * LanguageModelError codes (vscode.d.ts) as the router's error classes. NoPermissions: the user has not allowed (or
 * refused) this extension the vendor's models; Blocked: the vendor refuses requests for now (quota, rate limit);
 * NotFound: no such model. Anything else is the vendor's failure.
 */
const BY_CODE: Record<string, ErrorClass> = {
  NoPermissions: 'auth',
  Blocked: 'quota_exceeded',
  NotFound: 'not_found',
};

export function editorModelError(providerId: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  const errorClass = (code && BY_CODE[code]) || 'server_error';
  const detail = err instanceof Error ? err.message : String(err);
  const advice =
    errorClass === 'auth' ? " Allow LLM Router to use the editor's language models (it asks on the first request you start)." : errorClass === 'quota_exceeded' ? ' The model refused requests for now.' : '';
  return new ProviderError({ provider: providerId, errorClass, providerCode: code, message: `Provider '${providerId}': ${detail}${code ? ` (${code})` : ''}.${advice}`, cause: err });
}
