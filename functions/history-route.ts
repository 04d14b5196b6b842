import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { azureCredential } from '../shared/azure/azure-credential.js';
import { loadConfig } from '../shared/config/load-config.js';
import { DEFAULT_ENVIRONMENT, type EnvironmentName } from '../shared/domain/environment-name.js';
import { printableText } from '../shared/domain/printable-text.js';
import { historyStoreFromSettings } from '../shared/pipeline/state-stores.js';
import {
  type ReportSource,
  requestedEnvironment,
  storeFailureResponse,
} from '../shared/serve/matrix-routes.js';

/** An environment's report history, as the HTTP Functions read it (stores built once per setting value). */
export function historySource(environment: EnvironmentName): ReportSource {
  return historyStoreFromSettings(process.env, () => azureCredential(process.env), environment);
}

/**
 * The environment a page without `?environment=` shows: the config's first (with `environments`,
 * the default one has no reports), or the default one when the config cannot be read here.
 */
async function firstEnvironment(): Promise<EnvironmentName> {
  const loaded = await loadConfig({ env: process.env });
  return loaded.ok ? loaded.config.environments[0]!.environment : DEFAULT_ENVIRONMENT;
}

/**
 * An HTTP handler over the report history: `respond` builds the answer; a failing store is logged
 * and becomes an error response that quotes no secret (JSON for API routes, text for the page).
 */
export function historyRouteHandler(
  name: string,
  respond: (environment: EnvironmentName) => Promise<HttpResponseInit>,
  json: boolean,
): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext) => {
    const asked = request.query.get('environment');
    const environment = requestedEnvironment(asked, json, asked ? undefined : await firstEnvironment());
    if (typeof environment !== 'string') return environment;
    try {
      return await respond(environment);
    } catch (error) {
      context.error(
        printableText(
          `${name}: reading the report history failed: ${error instanceof Error ? error.message : error}`,
        ),
      );
      return storeFailureResponse(error, json);
    }
  };
}
