import { app, type HttpHandler, type HttpRequest, type InvocationContext } from '@azure/functions';
import { historyStoreFromSettings } from '../shared/pipeline/state-stores.js';
import { type ReportSource, reportRoute, storeFailureResponse } from '../shared/serve/matrix-routes.js';
import { azureCredential } from '../shared/telemetry/azure-monitor.js';

/** GET /api/report: the latest stored SweepReport as JSON (function key required). */
export function reportHandler(source: () => ReportSource): HttpHandler {
  return async (_request: HttpRequest, context: InvocationContext) => {
    try {
      return await reportRoute(source());
    } catch (error) {
      context.error(
        `report: reading the report history failed: ${error instanceof Error ? error.message : error}`,
      );
      return storeFailureResponse(error, true);
    }
  };
}

let store: ReportSource | undefined;

export const reportFunction = {
  methods: ['GET' as const],
  authLevel: 'function' as const,
  route: 'report',
  handler: reportHandler(() => {
    store ??= historyStoreFromSettings(process.env, () => azureCredential(process.env));
    return store;
  }),
};

app.http('report', reportFunction);
