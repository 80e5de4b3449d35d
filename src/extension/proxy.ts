/*
 * Why this path: VS Code's extension host (read in 1.100's proxyResolver.ts, unchanged in later ones)
 * resolves proxies with its own copy of @vscode/proxy-agent — http.proxy, http.noProxy, the *_proxy
 * variables and, where enabled, the OS/PAC proxy — and applies the result by patching `http`/`https`,
 * `net`/`tls` and the global `fetch`. It also leaves that resolver on the module as `resolveProxyURL`,
 * the one hook an extension can read (there is no vscode.* API for it). The engine sends through its own
 * pooled undici client, which none of those patches reach, so we ask VS Code's resolver for each
 * request's proxy and load the OS certificates with VS Code's loader, and add what its fetch patch
 * lacks: http.proxyAuthorization and kept-alive connections. Where the resolver is missing (an older
 * VS Code or a fork) the settings are read in VS Code's order instead (proxyFallback.ts).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Dispatcher } from 'undici';
import { createDispatcher } from '../engine/http/dispatcher';
import { fallbackProxyResolver } from './proxyFallback';

/** The part of VS Code's own @vscode/proxy-agent module this extension uses. */
interface VsCodeProxyAgent {
  resolveProxyURL?: (url: string) => Promise<string | undefined>;
  loadSystemCertificates?: (params: { log: CertificateLog }) => Promise<string[]>;
}
type CertificateLog = Record<'trace' | 'debug' | 'info' | 'warn' | 'error', (...args: unknown[]) => void>;

/** The settings VS Code's networking reads; a change to any of them needs a new client. */
export const PROXY_SETTINGS = ['http.proxy', 'http.noProxy', 'http.proxyAuthorization', 'http.proxyStrictSSL', 'http.proxySupport', 'http.systemCertificates', 'http.useLocalProxyConfiguration'];

/**
 * An HTTP client that picks proxies the way VS Code's networking does for extensions; undefined when
 * http.proxySupport is "off" (VS Code then leaves an extension's requests alone: the engine's default,
 * which honours the *_proxy variables, applies).
 */
export function proxyDispatcher(connectTimeoutMs: number, warn: (message: string) => void): Dispatcher | undefined {
  const http = vscode.workspace.getConfiguration('http');
  if (http.get<string>('proxySupport', 'override') === 'off') return undefined;
  const agent = vscodeProxyAgent();
  const proxyAuthorization = http.get<string | null>('proxyAuthorization')?.trim() || undefined;
  return createDispatcher({
    connectTimeoutMs,
    resolveProxy: agent?.resolveProxyURL ?? fallbackProxyResolver(http.get<string>('proxy')?.trim() || undefined, http.get<string[]>('noProxy', [])),
    proxyAuthorization,
    strictSSL: http.get<boolean>('proxyStrictSSL', true),
    extraCA: http.get<boolean>('systemCertificates', true) ? systemCertificates(agent, warn) : undefined,
    proxyAuthHint: proxyAuthorization
      ? 'it refused http.proxyAuthorization: check that setting and http.proxy'
      : 'set http.proxyAuthorization ("Basic " + base64 of user:password) or user:password@ in http.proxy',
  });
}

/** VS Code's loaded copy, found where the extension host loaded it (`node_modules.asar` in desktop builds). */
export function vscodeProxyAgent(): VsCodeProxyAgent | undefined {
  for (const folder of ['node_modules.asar', 'node_modules']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a runtime module of VS Code itself, not bundled
      const agent = require(path.join(vscode.env.appRoot, folder, '@vscode', 'proxy-agent')) as VsCodeProxyAgent;
      if (typeof agent.resolveProxyURL === 'function') return agent;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

/** The OS certificate store, read by VS Code's loader (as its remote extension host does); empty without it. */
export async function systemCertificates(agent: VsCodeProxyAgent | undefined, warn: (message: string) => void): Promise<readonly string[]> {
  if (!agent?.loadSystemCertificates) return [];
  const quiet = () => undefined;
  const log: CertificateLog = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: (...args) => warn(`Could not load the system certificates (http.systemCertificates): ${String(args.at(-1))}`) };
  try {
    return await agent.loadSystemCertificates({ log });
  } catch (err) {
    log.error(err);
    return [];
  }
}
