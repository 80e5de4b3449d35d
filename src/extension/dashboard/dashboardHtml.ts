import { randomBytes } from 'node:crypto';

export interface DashboardPageOptions {
  /** The webview's `cspSource`: the only origin scripts, styles, images and fonts may come from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/** Scripts only by nonce, no inline or eval, nothing remote; everything else the page needs comes from cspSource. */
function dashboardCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The page the webview loads; the bundled script builds everything inside #app. */
export function dashboardHtml(o: DashboardPageOptions): string {
  const nonce = escapeAttr(o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(dashboardCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${escapeAttr(o.styleUri)}">
<title>LLM Router</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Waiting for the router…</p></main>
<script nonce="${nonce}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}
