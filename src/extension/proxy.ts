import * as vscode from 'vscode';
import type { Dispatcher } from 'undici';
import { createDispatcher } from '../engine/http/dispatcher';

/** An HTTP client honouring `http.proxy` and `http.proxyStrictSSL`; undefined = the engine's default (env proxies). */
export function proxyDispatcher(connectTimeoutMs: number): Dispatcher | undefined {
  const http = vscode.workspace.getConfiguration('http');
  const proxyUrl = http.get<string>('proxy')?.trim() || undefined;
  const strictSSL = http.get<boolean>('proxyStrictSSL', true);
  if (!proxyUrl && strictSSL) return undefined;
  return createDispatcher({ connectTimeoutMs, proxyUrl, strictSSL });
}
