import { resolveGatewayToken } from '../../gateway/gatewayToken';
import { startGateway } from '../../gateway/gateway';
import { isLoopbackHost } from '../../gateway/requestGuards';
import { userFolders } from '../../engine/state/userFolders';
import { UsageError } from '../exitCodes';
import { withEngine, type CliIo, type CommonOptions } from '../session';

export interface ServeOptions extends CommonOptions {
  host?: string;
  port?: string;
  token?: string;
}

/** `llm-router serve`: the local gateway until SIGTERM or SIGINT, then finishes requests in flight and flushes state. */
export async function runServe(opts: ServeOptions, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const host = opts.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host must not be empty (e.g. 127.0.0.1)');
  const flagPort = opts.port === undefined ? undefined : parsePort(opts.port);
  if (opts.token !== undefined && opts.token.trim() === '') throw new UsageError('--token must not be empty');
  // The token is kept with the user's state; the engine's own folders follow --state-dir as for every command.
  const stateDir = opts.stateDir ?? userFolders().state;
  // A long-running gateway has no window to be idle in: its open breakers are probed in the background.
  return withEngine(opts, io, async (engine) => {
    const port = flagPort ?? engine.config.gateway.port;
    const token = await resolveGatewayToken({ flag: opts.token, env: env.LLM_ROUTER_GATEWAY_TOKEN || undefined, stateDir });
    if (token.source === 'generated') io.stderr.write(`llm-router: gateway token (kept in ${token.file}): ${token.token}\n`);
    if (token.source === 'stored') io.stderr.write(`llm-router: using the gateway token kept in ${token.file}\n`);
    if (!isLoopbackHost(host)) io.stderr.write(`llm-router: warning: listening on ${host}, beyond this machine: anyone who can reach it and has the token can spend your providers' credit\n`);
    const gateway = await startGateway({
      engine,
      token: token.token,
      host,
      port,
      allowedOrigins: engine.config.gateway.allowedOrigins,
      allowedHosts: engine.config.gateway.allowedHosts,
      maxBodyBytes: engine.config.gateway.maxBodyBytes,
      warn: (message) => io.stderr.write(`llm-router: ${message}\n`),
    }).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use (pick another with --port or gateway.port in the config; 0 picks a free one)' : err.message}`);
    });
    io.stdout.write(`listening on ${gateway.url}\n`);
    await stopRequested(io.signal);
    await gateway.close();
    return 0;
  }, { backgroundProbes: true });
}

function parsePort(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535 (0 picks a free port; got '${raw}')`);
  return n;
}

/** Resolves on SIGTERM or when the CLI's signal (SIGINT) aborts. */
function stopRequested(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      signal.removeEventListener('abort', stop);
      resolve();
    };
    if (signal.aborted) return resolve();
    process.once('SIGTERM', stop);
    signal.addEventListener('abort', stop, { once: true });
  });
}
