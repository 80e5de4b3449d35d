import assert from 'node:assert/strict';
import { userFolders } from '../../src/engine/state/userFolders';

describe('userFolders: where the CLI config, the user state and the CLI cache live', () => {
  it('on Linux follows XDG: spend in $XDG_STATE_HOME, the cache in $XDG_CACHE_HOME', () => {
    assert.deepEqual(userFolders({ XDG_CONFIG_HOME: '/x', XDG_STATE_HOME: '/s', XDG_CACHE_HOME: '/c' }, 'linux', '/home/u'), { config: '/x/llm-router', state: '/s/llm-router', cache: '/c/llm-router' });
  });

  it('on Linux falls back to ~/.local/state and ~/.cache, also for a relative XDG value (invalid by the spec)', () => {
    const expected = { config: '/home/u/.config/llm-router', state: '/home/u/.local/state/llm-router', cache: '/home/u/.cache/llm-router' };
    assert.deepEqual(userFolders({}, 'linux', '/home/u'), expected);
    assert.deepEqual(userFolders({ XDG_CONFIG_HOME: 'relative', XDG_STATE_HOME: 'rel', XDG_CACHE_HOME: '' }, 'linux', '/home/u'), expected);
  });

  it('on macOS uses Application Support (a State folder beside the CLI config) for state and Caches for the cache', () => {
    assert.deepEqual(userFolders({ XDG_CONFIG_HOME: '/x' }, 'darwin', '/Users/u'), {
      config: '/Users/u/Library/Application Support/llm-router',
      state: '/Users/u/Library/Application Support/llm-router/State',
      cache: '/Users/u/Library/Caches/llm-router',
    });
  });

  it('on Windows uses %APPDATA%\\llm-router for the config and %LOCALAPPDATA%\\llm-router\\State and \\Cache', () => {
    assert.deepEqual(userFolders({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming', LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'), {
      config: 'C:\\Users\\u\\AppData\\Roaming\\llm-router',
      state: 'C:\\Users\\u\\AppData\\Local\\llm-router\\State',
      cache: 'C:\\Users\\u\\AppData\\Local\\llm-router\\Cache',
    });
  });

  it('never puts spend in the cache folder', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const f = userFolders({}, platform, '/h');
      assert.notEqual(f.state, f.cache, platform);
    }
  });
});
