import { formatIssues } from '../config/config-issue.js';
import { loadConfig } from '../config/load-config.js';
import type { TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import type { CliIo } from './cli-io.js';
import type { CliOptions } from './parse-cli-args.js';

/** The config every command starts from; null (after saying why on stderr) when it does not load. */
export async function loadCliConfig(options: CliOptions, io: CliIo): Promise<TunnelwatchConfig | null> {
  const loaded = await loadConfig({
    ...(options.configPath !== undefined ? { path: options.configPath } : {}),
    env: io.env,
  });
  if (loaded.ok) return loaded.config;
  io.stderr.write(`tunnelwatch: config error\n${indent(formatIssues(loaded.issues))}\n`);
  return null;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
