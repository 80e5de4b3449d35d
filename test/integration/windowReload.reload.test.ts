import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { localDayKey } from '../../src/engine/cost/costLedger';
import { userFolders } from '../../src/engine/state/userFolders';
import { emulatorsFor } from './support/emulators';
import { ask, configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { waitFor } from './support/waitFor';

// This suite spans a window reload: VS Code runs the tests entry again in the reloaded window, and the
// marker file (outside every state folder) tells the second run what the first one did.
const stateHome = process.env.XDG_STATE_HOME;
const marker = stateHome && path.join(stateHome, 'window-reload-test.json');

interface Before {
  costUsd: number;
  day: string;
}

const readJson = (name: string) => {
  const file = path.join(userFolders().state, name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>) : undefined;
};

describe('State across a window reload', function () {
  this.timeout(60_000);
  before(function () {
    if (!marker || path.dirname(userFolders().state) !== stateHome) throw new Error('run this suite with XDG_STATE_HOME set to a scratch folder (runAll.mjs does)');
  });

  if (!marker || !existsSync(marker)) {
    const emu = emulatorsFor('priced', 'spare');

    it('before the reload: makes a priced request, isolates a provider, then reloads the window', async () => {
      await configure({
        ...FAST_SETTINGS,
        providers: [
          { id: 'priced', kind: 'openai-compatible', baseUrl: emu.priced.baseUrl('openai-compatible'), model: 'priced-model', priority: 1, pricing: { inputPerMillion: 1000, outputPerMillion: 2000 } },
          { id: 'spare', kind: 'openai-compatible', baseUrl: emu.spare.baseUrl('openai-compatible'), model: 'spare-model', priority: 2 },
        ],
      });
      await freshState();
      const host = await routerHost();
      const answer = await ask(host, 'What does this cost?');
      assert.equal(answer.provider, 'priced');
      assert.ok(answer.costUsd !== null && answer.costUsd > 0, `the emulator reported usage, so the answer has a price (${answer.costUsd})`);
      host.isolate('spare');
      // Metrics are saved every 30 s: only the shutdown flush can have written this request.
      assert.equal(readJson('metrics.json'), undefined, 'no metrics saved before the reload');
      const before: Before = { costUsd: answer.costUsd, day: localDayKey(Date.now()) };
      writeFileSync(marker as string, JSON.stringify(before));
      await vscode.commands.executeCommand('workbench.action.reloadWindow');
      // The window goes away with this extension host; the run after the reload reports the result.
      await new Promise(() => undefined);
    });
  } else {
    const before = JSON.parse(readFileSync(marker, 'utf8')) as Before;

    after(() => rmSync(marker, { force: true }));

    it('after the reload: the spend, the metrics and the isolated breaker written before it are all on disk', async () => {
      // The old extension host may still be saving while this one starts.
      const costs = await waitFor('costs.json to hold the spend', () => {
        const day = readJson('costs.json')?.days?.[before.day];
        return day?.requests === 1 ? day : undefined;
      });
      assert.ok(Math.abs(costs.costUsd - before.costUsd) < 1e-12, `spent ${costs.costUsd}, expected ${before.costUsd}`);
      const metrics = await waitFor('metrics.json to count the request', () => {
        const providers = (readJson('metrics.json')?.allTime?.providers ?? []) as { provider: string; models: { requests: number }[] }[];
        return providers.find((p) => p.provider === 'priced');
      });
      assert.equal(metrics.models.reduce((n, m) => n + m.requests, 0), 1);
      const breakers = await waitFor('breakers.json to hold the isolated breaker', () => readJson('breakers.json')?.providers?.spare);
      assert.equal(breakers.state, 'isolated');
    });

    it('after the reload: the engine of the new window reports the same spend and the isolated breaker', async () => {
      const host = await routerHost();
      await host.ready();
      // With nothing of its own to save, a flush reads what the window before the reload saved.
      await host.flush();
      const { today } = host.costSummary();
      assert.ok(Math.abs(today.costUsd - before.costUsd) < 1e-12, `today ${today.costUsd}, expected ${before.costUsd}`);
      assert.equal(today.requests, 1);
      assert.equal(host.providers().find((p) => p.id === 'spare')?.breaker.state, 'isolated');
    });
  }
});
