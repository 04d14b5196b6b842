import { app, type HttpHandler, type HttpRequest, type InvocationContext } from '@azure/functions';
import { reportStoreFromSettings } from '../shared/history/report-store-from-settings.js';
import { type ReportSource, reportRoute, storeFailureResponse } from '../shared/serve/matrix-routes.js';

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
    store ??= reportStoreFromSettings();
    return store;
  }),
};

app.http('report', reportFunction);
