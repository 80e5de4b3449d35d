import { DecoratorHandler, type Dispatcher } from 'undici';
import { tagOf } from './chaosFleet';

/** One HTTP request the engine handed to its client, as seen from the client side. */
export interface ObservedDispatch {
  provider: string;
  /** The chaos request tag parsed from the prompt in the body ('' when absent). */
  tag: string;
  /** performance.now() when the engine dispatched it. */
  at: number;
  status?: number;
  /** When the response body was fully read by the client (the earliest the engine can act on it). */
  endedAt?: number;
  /** When the request finished one way or another (read in full, failed or aborted). */
  settledAt?: number;
}

type Headers = Record<string, string | string[] | undefined>;
interface ResponseHooks {
  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Headers, statusMessage?: string): void;
  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Headers): void;
  onResponseError(controller: Dispatcher.DispatchController, error: Error): void;
}
// undici's typings declare DecoratorHandler without its (documented) hook methods.
const Decorator = DecoratorHandler as unknown as new (handler: Dispatcher.DispatchHandler) => ResponseHooks;

class ObservingHandler extends Decorator {
  constructor(
    handler: Dispatcher.DispatchHandler,
    private readonly record: ObservedDispatch,
  ) {
    super(handler);
  }

  override onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Headers, statusMessage?: string): void {
    this.record.status = statusCode;
    return super.onResponseStart(controller, statusCode, headers, statusMessage);
  }

  override onResponseEnd(controller: Dispatcher.DispatchController, trailers: Headers): void {
    this.record.endedAt = performance.now();
    this.record.settledAt = this.record.endedAt;
    return super.onResponseEnd(controller, trailers);
  }

  override onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.record.settledAt = performance.now();
    return super.onResponseError(controller, error);
  }
}

/**
 * Wraps a real undici dispatcher so every request the engine sends is logged with its time, provider and
 * chaos request tag. Nothing is changed on the way: the same request goes out over real sockets.
 */
export function observeDispatches(
  base: Dispatcher,
  providerOf: (origin: string) => string | undefined,
  onDispatch: (d: ObservedDispatch) => void,
): Dispatcher {
  return base.compose((dispatch) => (opts, handler) => {
    const origin = typeof opts.origin === 'string' ? opts.origin : String(opts.origin);
    const provider = providerOf(origin.replace(/\/+$/, ''));
    if (provider === undefined) return dispatch(opts, handler);
    const body = typeof opts.body === 'string' ? opts.body : '';
    const record: ObservedDispatch = { provider, tag: tagOf(body), at: performance.now() };
    onDispatch(record);
    return dispatch(opts, new ObservingHandler(handler, record) as unknown as Dispatcher.DispatchHandler);
  });
}
