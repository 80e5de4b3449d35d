import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// code-server otherwise writes ~/.config/code-server/config.yaml (with a generated password) and
// ~/.local/share/code-server/coder-logs; keep both inside the run's own folder.
export function isolatedStateArgs(stateDir) {
  mkdirSync(stateDir, { recursive: true });
  const config = path.join(stateDir, 'config.yaml');
  writeFileSync(config, '');
  return ['--config', config];
}

export function isolatedStateEnv(stateDir) {
  return { XDG_CONFIG_HOME: path.join(stateDir, 'xdg-config'), XDG_DATA_HOME: path.join(stateDir, 'xdg-data') };
}
