import { formatIssues } from '../../shared/config/config-issue.js';
import { type ConfigSource, loadConfig } from '../../shared/config/load-config.js';
import type { TunnelwatchConfig } from '../../shared/config/tunnelwatch-config.js';

/** For the lab tests and the bench, whose single-environment config must load: the shells report issues themselves. */
export async function loadConfigOrThrow(source: ConfigSource): Promise<TunnelwatchConfig> {
  const result = await loadConfig(source);
  if (!result.ok) throw new Error(`config error\n${formatIssues(result.issues)}`);
  const [only, ...more] = result.config.environments;
  if (!only || more.length > 0) throw new Error('expected a config with exactly one environment');
  return only;
}
