import { DEFAULT_ENVIRONMENT, type EnvironmentName } from '../domain/environment-name.js';

/**
 * The Table Storage partition of `base` rows for one environment. The default environment keeps the
 * partition it had before environments existed, so state stored by an earlier version is found again.
 */
export function environmentPartition(base: string, environment: EnvironmentName): string {
  return environment === DEFAULT_ENVIRONMENT ? base : `${base}.${environment}`;
}
