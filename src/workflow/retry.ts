// Retry as Step Functions does it: the first retrier whose ErrorEquals matches decides; each
// retrier counts its own attempts; the delay grows by BackoffRate, is capped by MaxDelaySeconds,
// and FULL jitter picks a random delay up to it.
import type { Retrier } from './definition.ts';
import { errorMatches } from './errors.ts';

export interface RetryDecision {
  /** Index of the retrier that matched. */
  readonly retrier: number;
  /** The delay before the next attempt, in seconds, before jitter. */
  readonly delaySeconds: number;
}

/**
 * The retry for an error, or undefined to give up (no retrier matched, or the one that matched has
 * used its MaxAttempts). `attempts` holds the retries each retrier has made so far.
 */
export function decideRetry(
  retriers: readonly Retrier[],
  attempts: readonly number[],
  error: string,
): RetryDecision | undefined {
  const index = retriers.findIndex((r) => errorMatches(r.errorEquals, error));
  if (index < 0) return undefined;
  const retrier = retriers[index]!;
  const made = attempts[index] ?? 0;
  if (made >= retrier.maxAttempts) return undefined;
  let delay = retrier.intervalSeconds * retrier.backoffRate ** made;
  if (retrier.maxDelaySeconds !== undefined) delay = Math.min(delay, retrier.maxDelaySeconds);
  return { retrier: index, delaySeconds: delay };
}

/** The delay actually waited: FULL jitter draws uniformly from [0, delay). */
export function jitteredDelay(retrier: Retrier, delaySeconds: number, random: () => number): number {
  return retrier.jitterStrategy === 'FULL' ? random() * delaySeconds : delaySeconds;
}
