import * as path from 'node:path';
import type * as vscode from 'vscode';
import type * as Engine from './extension';

let engine: typeof Engine | undefined;

/**
 * The entry VS Code loads (dist/extension.js, a few KB): the router and its libraries (dist/engine.js) load in the
 * next macrotask, so the editor's own activation step stays short. VS Code runs no command of ours until the
 * returned promise settles, so every command and the public API are there before first use.
 */
export function activate(context: vscode.ExtensionContext): Promise<Awaited<ReturnType<typeof Engine.activate>>> {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try {
        engine = loadEngine();
        resolve(engine.activate(context));
      } catch (err) {
        // The engine's activate() reports its own failures; this catches a bundle that cannot be loaded at all.
        if (!engine) void editorApi().window.showErrorMessage(`LLM Router could not load its engine: ${err instanceof Error ? err.message : String(err)}`);
        reject(err);
      }
    });
  });
}

export function deactivate(): Promise<void> | undefined {
  return engine?.deactivate();
}

function loadEngine(): typeof Engine {
  // Built beside this file by esbuild.mjs; a computed path keeps esbuild from inlining it into this bundle.
  return require(path.join(__dirname, 'engine.js')) as typeof Engine;
}

/**
 * VS Code builds an extension's whole API object on its first `require('vscode')`, which VS Code counts as the
 * extension's code loading; this entry needs it only to report a failed load, so it asks for it only then.
 */
function editorApi(): typeof vscode {
  return require('vscode') as typeof vscode;
}
