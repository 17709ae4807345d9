import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import {
  BrokenCircuitError,
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  noop,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { resilienceConfig } from '../../config/resilience.config.js';
import { circuitBreakerState, dependencyRejectionsTotal } from '../observability/metrics.js';

export interface DependencyOptions {
  /** Each call's own bound (the attempt, not the retries together). */
  timeoutMs: number;
  /** Calls at once; more wait in a queue of `queue`, beyond that they are refused. */
  concurrency: number;
  queue: number;
  /** Extra attempts with decorrelated-jitter exponential backoff; only for idempotent calls. */
  retries?: number;
  /** Which errors count against the breaker (default: all); e.g. not a "not found". */
  isFailure?: (error: Error) => boolean;
}

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};
// The gauge's value per state: 0 is healthy, anything above refuses some calls.
const STATE_VALUES: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

/** Runs calls to one dependency under its policy; `signal` aborts on timeout. */
export interface DependencyPolicy {
  execute<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** The same bulkhead and breaker without the timeout, for transfers of any length. */
  executeUnbounded<T>(call: () => Promise<T>): Promise<T>;
}

interface Entry {
  policy: DependencyPolicy;
  state: () => CircuitState;
}

/**
 * One policy per outgoing dependency (SMTP, S3, any HTTP peer), from cockatiel: a timeout, a
 * bulkhead, a circuit breaker that opens after RESILIENCE_BREAKER_FAILURES consecutive failures
 * and lets one trial call through after RESILIENCE_BREAKER_HALF_OPEN_MS, and optional retries.
 * While open, calls fail at once with BrokenCircuitError (answered 503 SERVICE_UNAVAILABLE).
 * State goes to `circuit_breaker_state{dependency}` and `/health/details`.
 */
@Injectable()
export class DependencyPolicies {
  private readonly logger = new Logger('Resilience');
  private readonly entries = new Map<string, Entry>();

  constructor(
    @Inject(resilienceConfig.KEY) private readonly config: ConfigType<typeof resilienceConfig>,
  ) {}

  /** The policy for `dependency`, built once with these options. */
  for(dependency: string, options: DependencyOptions): DependencyPolicy {
    const existing = this.entries.get(dependency);
    if (existing) return existing.policy;
    const failures = options.isFailure ? handleWhen(options.isFailure) : handleAll;
    const breaker = circuitBreaker(failures, {
      halfOpenAfter: this.config.breakerHalfOpenMs,
      breaker: new ConsecutiveBreaker(this.config.breakerFailures),
    });
    breaker.onStateChange((state) => {
      circuitBreakerState.set({ dependency }, STATE_VALUES[state]);
      const line = { dependency, state: STATE_NAMES[state] };
      if (state === CircuitState.Closed) this.logger.log(line, 'Circuit breaker closed');
      else this.logger.warn(line, 'Circuit breaker changed state');
    });
    const limiter = bulkhead(options.concurrency, options.queue);
    limiter.onReject(() => dependencyRejectionsTotal.inc({ dependency, reason: 'bulkhead' }));
    const bound = timeout(options.timeoutMs, TimeoutStrategy.Aggressive);
    bound.onTimeout(() => dependencyRejectionsTotal.inc({ dependency, reason: 'timeout' }));
    const retries = options.retries
      ? retry(
          handleWhen((error) => !(error instanceof BrokenCircuitError)),
          {
            maxAttempts: options.retries,
            backoff: new ExponentialBackoff({
              initialDelay: this.config.retryInitialDelayMs,
              maxDelay: this.config.retryMaxDelayMs,
            }),
          },
        )
      : noop;
    // Outermost first: the bulkhead bounds callers; retries stop at an open breaker.
    const bounded = wrap(limiter, retries, breaker, bound);
    const unbounded = wrap(limiter, breaker);
    const counted = async <T>(run: () => Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (error) {
        if (error instanceof BrokenCircuitError) {
          dependencyRejectionsTotal.inc({ dependency, reason: 'open' });
        }
        throw error;
      }
    };
    const policy: DependencyPolicy = {
      execute: (call) => counted(() => bounded.execute(({ signal }) => call(signal))),
      executeUnbounded: (call) => counted(() => unbounded.execute(() => call())),
    };
    circuitBreakerState.set({ dependency }, 0);
    this.entries.set(dependency, { policy, state: () => breaker.state });
    return policy;
  }

  /** Every dependency's breaker state, for /health/details. */
  states(): Record<string, BreakerState> {
    return Object.fromEntries(
      [...this.entries].map(([name, entry]) => [name, STATE_NAMES[entry.state()]]),
    );
  }
}
