// Detached children (code-server, Chromium) outlive a parent that dies from a signal; this kills
// them synchronously on exit, Ctrl-C or SIGTERM, then lets the signal do what it would have done.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Registers `killSync` and returns a function that unregisters it. */
export function killOnExit(killSync) {
  const onExit = () => killSync();
  const onSignal = (signal) => {
    unregister();
    killSync();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const unregister = () => {
    process.off('exit', onExit);
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
  return unregister;
}

export function killGroupSync(pid) {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
