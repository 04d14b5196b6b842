import { app, type HttpHandler, type HttpRequest, type InvocationContext } from '@azure/functions';
import { APP_SETTINGS } from '../shared/config/app-settings.js';
import { historyStoreFromSettings } from '../shared/pipeline/state-stores.js';
import { sweepIntervalFromSchedule } from '../shared/report/html/sweep-interval.js';
import {
  type MatrixRouteOptions,
  matrixRoute,
  type ReportSource,
  storeFailureResponse,
} from '../shared/serve/matrix-routes.js';
import { azureCredential } from '../shared/telemetry/azure-monitor.js';

/** GET /api/matrix: the path matrix page of the latest stored sweep (function key required). */
export function matrixHandler(
  source: () => ReportSource,
  options: () => MatrixRouteOptions = () => ({}),
): HttpHandler {
  return async (_request: HttpRequest, context: InvocationContext) => {
    try {
      return await matrixRoute(source(), options());
    } catch (error) {
      context.error(
        `matrix: reading the report history failed: ${error instanceof Error ? error.message : error}`,
      );
      return storeFailureResponse(error, false);
    }
  };
}

let store: ReportSource | undefined;

export const matrixFunction = {
  methods: ['GET' as const],
  authLevel: 'function' as const,
  route: 'matrix',
  handler: matrixHandler(
    () => {
      store ??= historyStoreFromSettings(process.env, () => azureCredential(process.env));
      return store;
    },
    () => {
      const interval = sweepIntervalFromSchedule(process.env[APP_SETTINGS.sweepSchedule]);
      return interval ? { page: { sweepIntervalMs: interval } } : {};
    },
  ),
};

app.http('matrix', matrixFunction);
