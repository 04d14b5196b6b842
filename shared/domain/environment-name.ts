declare const environmentNameBrand: unique symbol;
/**
 * The name of one monitored environment (one Rancher environment, one overlay). It scopes every
 * host pair, alert, stored report, telemetry series and page, so it is kept to an alphabet that is
 * safe in Table keys, blob names, queue messages, KQL and URLs.
 */
export type EnvironmentName = string & { readonly [environmentNameBrand]: true };

const ENVIRONMENT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export function parseEnvironmentName(text: string): EnvironmentName | null {
  return ENVIRONMENT_NAME.test(text) ? (text as EnvironmentName) : null;
}

export const ENVIRONMENT_NAME_RULE =
  'lowercase letters, digits and "-", starting and ending with a letter or digit, at most 32 characters';

/** The environment of a config that lists `hosts` at the top level instead of `environments`. */
export const DEFAULT_ENVIRONMENT = 'default' as EnvironmentName;
