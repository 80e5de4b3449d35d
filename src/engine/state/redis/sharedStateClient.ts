import Redis from 'ioredis';
import type { SharedStateConfig } from '../../config/schema';

/** How long a read for a report (team metrics over a day) may take; requests never wait for one. */
const REPORT_TIMEOUT_MS = 2_000;

/** After a failed call, how long calls skip Redis at once (unless it reconnects first), so a dead Redis costs no latency. */
const SKIP_AFTER_FAILURE_MS = 2_000;

export interface SharedStateClientOptions {
  config: SharedStateConfig;
  /** The password from `passwordEnv` (CLI) or secret storage (editor); never logged. */
  password?: string;
  /** The command that stores the password, when it comes from the editor's secret storage rather than `passwordEnv`. */
  passwordCommand?: string;
  warn: (message: string) => void;
  now?: () => number;
}

/**
 * The one connection to the team's Redis/Valkey. Every call either answers within `timeoutMs` or yields
 * undefined, so callers go on with local state; one warning says Redis is unavailable until it answers again.
 */
export class SharedStateClient {
  readonly redis: Redis;
  private readonly config: SharedStateConfig;
  private readonly passwordCommand: string | undefined;
  private readonly warn: (message: string) => void;
  private readonly now: () => number;
  private skipUntil = 0;
  private warned = false;
  private lastError: Error | undefined;
  private readonly onReadyListeners: (() => void)[] = [];

  constructor(options: SharedStateClientOptions) {
    this.config = options.config;
    this.passwordCommand = options.passwordCommand;
    this.warn = options.warn;
    this.now = options.now ?? Date.now;
    this.redis = new Redis(options.config.url, {
      password: options.password,
      connectTimeout: Math.max(options.config.timeoutMs, 1_000),
      maxRetriesPerRequest: 0,
      enableReadyCheck: false,
      retryStrategy: (times) => Math.min(100 * times, 2_000),
      // A refused password will not fix itself by reconnecting quickly.
      reconnectOnError: () => false,
    });
    this.redis.on('error', (err: Error) => (this.lastError = err));
    this.redis.on('ready', () => {
      this.skipUntil = 0;
      this.lastError = undefined;
      for (const listener of this.onReadyListeners) listener();
    });
  }

  /** Where the state lives, for messages; a password in the URL is left out. */
  get location(): string {
    return redactUrl(this.config.url);
  }

  key(...parts: string[]): string {
    return ['llmr', this.config.namespace, ...parts].join(':');
  }

  /** Called each time the connection becomes usable (first connect and every reconnect). */
  onReady(listener: () => void): void {
    this.onReadyListeners.push(listener);
    if (this.redis.status === 'ready') listener();
  }

  /**
   * Runs `fn` against Redis within `timeoutMs`; undefined (and one warning) when Redis is down, slow or refuses.
   * A `report` read (stats, the dashboard) may take up to `REPORT_TIMEOUT_MS`, as a day of a team's figures can, and
   * its failure alone neither warns nor makes requests skip Redis: a request's own call decides that.
   */
  async call<T>(fn: (redis: Redis) => Promise<T>, kind: 'request' | 'report' = 'request'): Promise<T | undefined> {
    // A reconnect clears skipUntil; a connection that is up but hung is skipped like a dead one.
    if (this.now() < this.skipUntil) return undefined;
    const limitMs = kind === 'report' ? Math.max(this.config.timeoutMs, REPORT_TIMEOUT_MS) : this.config.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${limitMs} ms (sharedState.timeoutMs)`)), limitMs);
    });
    try {
      const result = await Promise.race([fn(this.redis), timeout]);
      if (this.warned) this.warn(`Shared state: Redis at ${this.location} answers again; the spend and metrics this machine kept meanwhile are being merged.`);
      this.warned = false;
      return result;
    } catch (err) {
      if (kind === 'request') this.failed(err as Error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const quit = this.redis.status === 'ready' ? this.redis.quit().catch(() => undefined) : Promise.resolve();
    await Promise.race([quit, new Promise((r) => setTimeout(r, this.config.timeoutMs).unref())]);
    this.redis.disconnect();
  }

  private failed(err: Error): void {
    this.skipUntil = this.now() + SKIP_AFTER_FAILURE_MS;
    if (this.warned) return;
    this.warned = true;
    this.warn(this.explain(this.lastError ?? err));
  }

  private explain(err: Error): string {
    const where = `Redis at ${this.location} (sharedState.url)`;
    const local = "going on with this machine's state until it answers";
    const msg = err.message;
    const command = this.passwordCommand;
    if (command && /WRONGPASS|invalid password|invalid username-password/i.test(msg)) {
      return `Shared state: ${where} refused the password stored with '${command}': run it again with the right password. ${capital(local)}.`;
    }
    if (command && /NOAUTH/i.test(msg)) return `Shared state: ${where} requires a password: store it with '${command}'. ${capital(local)}.`;
    if (/WRONGPASS|invalid password|invalid username-password/i.test(msg)) {
      const env = this.config.passwordEnv;
      return env
        ? `Shared state: ${where} refused the password from the environment variable ${env} (sharedState.passwordEnv): set ${env} to the right password. ${capital(local)}.`
        : `Shared state: ${where} refused the password in the URL: fix sharedState.url or use sharedState.passwordEnv. ${capital(local)}.`;
    }
    if (/NOAUTH/i.test(msg)) {
      const env = this.config.passwordEnv;
      const fix = env ? `set the environment variable ${env} (sharedState.passwordEnv)` : 'set sharedState.passwordEnv to the name of an environment variable holding it';
      return `Shared state: ${where} requires a password: ${fix}. ${capital(local)}.`;
    }
    return `Shared state: ${where} is unavailable (${msg}); ${local}.`;
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The URL without its user name and password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'the configured URL';
  }
}
