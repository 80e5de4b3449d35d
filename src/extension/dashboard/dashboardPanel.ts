import * as vscode from 'vscode';
import type { RouterHost } from '../routerHost';
import { DashboardFeed } from './dashboardFeed';
import { dashboardHtml, newNonce } from './dashboardHtml';
import { PlaygroundControl } from '../playground/playgroundControl';
import { LatestFailures } from './latestFailures';
import { parseWebviewMessage, type DeltaMessage, type PlaygroundMessage, type SnapshotMessage, type WebviewMessage } from './protocol';
import { RoutingEventLog } from './routingEventLog';

const DASHBOARD_VIEW_TYPE = 'llmRouter.dashboard';

/** What `llmRouter.dashboard.inspect` returns, for integration tests. */
export interface DashboardInspection {
  open: boolean;
  visible?: boolean;
  /** The webview said it is ready and receives updates. */
  live?: boolean;
  window?: string;
  deltasSent?: number;
  lastSnapshot?: SnapshotMessage;
  lastDelta?: DeltaMessage;
  lastReceived?: WebviewMessage;
  lastPlayground?: PlaygroundMessage;
}

interface Shared {
  host: RouterHost;
  extensionUri: vscode.Uri;
  log: RoutingEventLog;
  failures: LatestFailures;
}

/** `llmRouter.openDashboard`, the panel's restore after a window reload, and the event memory it shows. */
export function registerDashboard(host: RouterHost, extensionUri: vscode.Uri): vscode.Disposable {
  const shared: Shared = {
    host,
    extensionUri,
    log: new RoutingEventLog(host),
    failures: new LatestFailures(host),
  };
  let current: DashboardPanel | undefined;
  const adopt = (panel: vscode.WebviewPanel) => {
    current?.dispose();
    const created = new DashboardPanel(panel, shared, () => {
      if (current === created) current = undefined;
    });
    current = created;
  };
  const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  return vscode.Disposable.from(
    shared.log,
    shared.failures,
    vscode.commands.registerCommand('llmRouter.openDashboard', async () => {
      if (current) return current.reveal();
      // After a reload VS Code revives a dashboard tab only once it is shown; until then it has no panel here, and
      // opening a second one would leave two tabs. The page rebuilds itself from a snapshot, so the tab is replaced.
      const unrevived = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(DASHBOARD_VIEW_TYPE));
      if (unrevived.length > 0) await vscode.window.tabGroups.close(unrevived).then(undefined, () => undefined);
      adopt(
        vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'LLM Router', vscode.ViewColumn.Active, {
          enableScripts: true,
          localResourceRoots: [root],
          // The page rebuilds itself from a snapshot in milliseconds; a hidden live context would cost memory all day.
          retainContextWhenHidden: false,
          enableFindWidget: true,
        }),
      );
    }),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => adopt(panel),
    }),
    vscode.commands.registerCommand('llmRouter.dashboard.inspect', (): DashboardInspection => current?.inspect() ?? { open: false }),
    { dispose: () => current?.dispose() },
  );
}

class DashboardPanel {
  private readonly feed: DashboardFeed;
  private readonly disposables: vscode.Disposable[] = [];
  private lastReceived?: WebviewMessage;
  private disposed = false;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly shared: Shared,
    private readonly onDisposed: () => void,
  ) {
    const { host } = shared;
    const webview = panel.webview;
    const root = vscode.Uri.joinPath(shared.extensionUri, 'dist', 'webview');
    // A restored panel comes back without script permission; set the options again.
    webview.options = { enableScripts: true, localResourceRoots: [root] };
    this.feed = new DashboardFeed({
      source: host,
      log: shared.log,
      failures: shared.failures,
      post: (m) => void webview.postMessage(m).then(undefined, () => undefined),
      warn: (m) => host.channel.warn(m),
    });
    webview.html = dashboardHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.css')).toString(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      // Hidden, the page is torn down; it says 'ready' again when shown and gets a fresh snapshot.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.feed.stop();
      }),
      host.onDidChangeConfig(() => {
        if (this.feed.isRunning) void this.feed.start();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  reveal(): void {
    this.panel.reveal();
  }

  inspect(): DashboardInspection {
    return {
      open: true,
      visible: this.panel.visible,
      live: this.feed.isRunning,
      window: this.feed.currentWindow,
      deltasSent: this.feed.deltasSent,
      lastSnapshot: this.feed.lastSnapshot,
      lastDelta: this.feed.lastDelta,
      lastReceived: this.lastReceived,
      lastPlayground: this.feed.lastPlayground,
    };
  }

  private async receive(data: unknown): Promise<void> {
    const { host } = this.shared;
    const parsed = parseWebviewMessage(data);
    if (!parsed.ok) {
      host.channel.warn(`Dashboard: ignored a malformed message from the webview (${parsed.problem}).`);
      return;
    }
    const msg = parsed.message;
    this.lastReceived = msg;
    try {
      switch (msg.type) {
        case 'ready':
          await this.feed.start(msg.window);
          return await this.sendPlayground();
        case 'setWindow':
          return await this.feed.start(msg.window);
        case 'clearCache':
          await vscode.commands.executeCommand('llmRouter.clearCache');
          break;
        case 'openSettings':
          await vscode.commands.executeCommand('workbench.action.openSettings', 'llmRouter');
          return;
        case 'addProvider':
          await vscode.commands.executeCommand('llmRouter.addProvider');
          return;
        case 'setPlaygroundMode': {
          const control = PlaygroundControl.fromEnvironment();
          if (!control) throw new Error('The failure switches exist only in the playground (npm start).');
          await control.setMode(msg.provider, msg.mode);
          host.channel.info(`Dashboard: playground provider '${msg.provider}' is now '${msg.mode}'.`);
          await this.sendPlayground();
          break;
        }
        default:
          await this.providerAction(msg);
      }
      this.feed.flush();
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      host.channel.error(`Dashboard: '${msg.type}' failed: ${text}`);
      this.feed.postError(text);
    }
  }

  /** The simulated providers' switches, when this window runs the playground. */
  private async sendPlayground(): Promise<void> {
    const control = PlaygroundControl.fromEnvironment();
    if (!control) return;
    try {
      const state = await control.state();
      this.feed.postPlayground({ providers: state.providers.map((p) => ({ id: p.id, mode: p.mode })), modes: state.modes });
    } catch (err) {
      this.shared.host.channel.warn(`Dashboard: the playground's control did not answer (${(err as Error).message}); is npm start still running?`);
    }
  }

  private async providerAction(msg: Extract<WebviewMessage, { type: 'resetBreaker' | 'isolate' | 'restore' | 'setApiKey' }>): Promise<void> {
    const { host } = this.shared;
    if (!host.providers().some((p) => p.id === msg.provider)) {
      this.feed.postError(`There is no provider '${msg.provider}' in llmRouter.providers any more.`);
      return;
    }
    switch (msg.type) {
      case 'resetBreaker':
        await vscode.commands.executeCommand('llmRouter.resetBreakers', msg.provider);
        break;
      case 'isolate':
        host.isolate(msg.provider);
        host.channel.info(`Dashboard: isolated provider '${msg.provider}'; it gets no requests until restored.`);
        break;
      case 'restore':
        host.restore(msg.provider);
        host.channel.info(`Dashboard: restored provider '${msg.provider}'.`);
        break;
      case 'setApiKey':
        // The key is asked for and stored by the command, in VS Code's own UI; it never passes through the webview.
        await vscode.commands.executeCommand('llmRouter.setApiKey', { providerId: msg.provider });
        break;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.feed.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
    this.onDisposed();
  }
}
