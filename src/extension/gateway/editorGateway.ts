import * as http from 'node:http';
import * as vscode from 'vscode';
import type { RouterConfig } from '../../engine/config/schema';
import type { RunningGateway } from '../../gateway/gateway';
import { generateGatewayToken } from '../../gateway/gatewayToken';
import type { RouterHost } from '../routerHost';

const TOKEN_SECRET = 'llmRouter.gateway.token';
/** Loopback only: the editor's gateway is for tools on this machine. */
const BIND_HOST = '127.0.0.1';
/** While another window's gateway holds the port, look this often whether it has gone, to take over. */
const TAKE_OVER_EVERY_MS = 10_000;

export type EditorGatewayStatus =
  | { state: 'off' }
  | { state: 'running'; url: string }
  /** Another LLM Router gateway (another window, or `llm-router serve`) listens on the configured port. */
  | { state: 'elsewhere'; url: string }
  | { state: 'failed'; message: string };

/**
 * The gateway of `llm-router serve`, run in this window's extension host in front of its engine while
 * `llmRouter.gateway.enabled` is on. Starts and stops as the settings change; the token lives in SecretStorage.
 */
export class EditorGateway implements vscode.Disposable {
  private current: EditorGatewayStatus = { state: 'off' };
  private running: { gateway: RunningGateway; settings: string } | undefined;
  /** The settings of the last start that failed, so unrelated setting changes do not repeat its error. */
  private failedSettings: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private retry: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly host: RouterHost,
    private readonly secrets: vscode.SecretStorage,
  ) {
    this.subscription = host.onDidChangeConfig(() => void this.reconcile());
    void this.reconcile();
  }

  get status(): EditorGatewayStatus {
    return this.current;
  }

  /** The base URL and token tools need; undefined while this window's gateway is not the one listening. */
  async connection(): Promise<{ url: string; token: string } | undefined> {
    const s = this.current;
    if (s.state !== 'running' && s.state !== 'elsewhere') return undefined;
    return { url: s.url, token: await this.token() };
  }

  /** Brings the running gateway in line with the settings; calls run one after another. */
  reconcile(): Promise<void> {
    this.queue = this.queue.then(() => this.apply()).catch((err) => this.host.channel.error(`Gateway: ${err instanceof Error ? err.message : String(err)}`));
    return this.queue;
  }

  private async apply(): Promise<void> {
    clearTimeout(this.retry);
    const cfg = this.host.config.gateway;
    // A rebuilt engine (new shared state) needs a gateway of its own.
    const wanted = cfg.enabled && !this.disposed ? JSON.stringify([cfg.port, cfg.allowedOrigins, cfg.maxBodyBytes, this.host.generation]) : undefined;
    if (this.running && this.running.settings === wanted) return;
    if (this.running) {
      const { gateway } = this.running;
      this.running = undefined;
      await gateway.close();
      this.host.channel.info(`Gateway on ${gateway.url} stopped.`);
    }
    if (wanted === undefined) {
      this.failedSettings = undefined;
      return this.set({ state: 'off' });
    }
    if (wanted === this.failedSettings) return;
    await this.start(cfg, wanted);
  }

  private async start(cfg: RouterConfig['gateway'], settings: string): Promise<void> {
    const token = await this.token();
    try {
      const gateway = await this.host.serveGateway({
        token,
        host: BIND_HOST,
        port: cfg.port,
        allowedOrigins: cfg.allowedOrigins,
        maxBodyBytes: cfg.maxBodyBytes,
        warn: (message) => this.host.channel.warn(message),
      });
      this.running = { gateway, settings };
      this.failedSettings = undefined;
      this.host.channel.info(`Gateway listening on ${gateway.url} (OpenAI base URL ${gateway.url}/v1, Anthropic base URL ${gateway.url}); 'LLM Router: Copy Gateway Connection' copies the token.`);
      return this.set({ state: 'running', url: gateway.url });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const url = `http://${BIND_HOST}:${cfg.port}`;
      if (code === 'EADDRINUSE' && (await isRouterGateway(cfg.port))) {
        if (this.current.state !== 'elsewhere') this.host.channel.info(`Gateway: another LLM Router gateway (another VS Code window, or llm-router serve) already listens on ${url}; this window takes over when it stops.`);
        this.retry = setTimeout(() => void this.reconcile(), TAKE_OVER_EVERY_MS);
        return this.set({ state: 'elsewhere', url });
      }
      this.failedSettings = settings;
      const message =
        code === 'EADDRINUSE'
          ? `The gateway cannot listen on ${BIND_HOST}:${cfg.port}: another program uses that port. Pick another one in llmRouter.gateway.port (0 picks a free port).`
          : `The gateway cannot listen on ${BIND_HOST}:${cfg.port} (llmRouter.gateway.port): ${(err as Error).message}.`;
      this.host.channel.error(`Gateway: ${message}`);
      this.set({ state: 'failed', message });
      void vscode.window
        .showErrorMessage(`LLM Router: ${message}`, 'Open Settings')
        .then((choice) => choice && vscode.commands.executeCommand('workbench.action.openSettings', 'llmRouter.gateway.port'));
    }
  }

  /** The token clients must send: generated into SecretStorage on first use, the same in every window of the user. */
  private async token(): Promise<string> {
    const stored = await this.secrets.get(TOKEN_SECRET);
    if (stored) return stored;
    const token = generateGatewayToken();
    await this.secrets.store(TOKEN_SECRET, token);
    return token;
  }

  private set(status: EditorGatewayStatus): void {
    this.current = status;
    this.changed.fire();
  }

  /** Stops the gateway; requests in flight finish first. */
  stop(): Promise<void> {
    this.disposed = true;
    this.subscription.dispose();
    return this.reconcile();
  }

  dispose(): void {
    void this.stop().finally(() => this.changed.dispose());
  }
}

/** Whether an LLM Router gateway answers on the port: its 401 to a request without a token says so, and no token is sent to find out. */
function isRouterGateway(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: BIND_HOST, port, path: '/v1/models', agent: false, timeout: 1_000, headers: { host: `${BIND_HOST}:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body = (body + chunk).slice(0, 4_096)));
      res.on('end', () => resolve(res.statusCode === 401 && body.includes('Missing gateway token')));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
