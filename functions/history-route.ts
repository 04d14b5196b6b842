import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { azureCredential } from '../shared/azure/azure-credential.js';
import { printableText } from '../shared/domain/printable-text.js';
import { historyStoreFromSettings } from '../shared/pipeline/state-stores.js';
import { type ReportSource, storeFailureResponse } from '../shared/serve/matrix-routes.js';

/** The report history the HTTP Functions read (the stores are built once per setting value). */
export function historySource(): ReportSource {
  return historyStoreFromSettings(process.env, () => azureCredential(process.env));
}

/**
 * An HTTP handler over the report history: `respond` builds the answer; a failing store is logged
 * and becomes an error response that quotes no secret (JSON for API routes, text for the page).
 */
export function historyRouteHandler(
  name: string,
  respond: () => Promise<HttpResponseInit>,
  json: boolean,
): HttpHandler {
  return async (_request: HttpRequest, context: InvocationContext) => {
    try {
      return await respond();
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
