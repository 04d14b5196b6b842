import { app, type HttpHandler } from '@azure/functions';
import { APP_SETTINGS } from '../shared/config/app-settings.js';
import type { EnvironmentName } from '../shared/domain/environment-name.js';
import { sweepIntervalFromSchedule } from '../shared/report/html/sweep-interval.js';
import { type MatrixRouteOptions, matrixRoute, type ReportSource } from '../shared/serve/matrix-routes.js';
import { historyRouteHandler, historySource } from './history-route.js';

/** GET /api/matrix: the path matrix page of the latest stored sweep (function key required). */
export function matrixHandler(
  source: (environment: EnvironmentName) => ReportSource,
  options: () => MatrixRouteOptions = () => ({}),
): HttpHandler {
  return historyRouteHandler('matrix', (environment) => matrixRoute(source(environment), options()), false);
}

export const matrixFunction = {
  methods: ['GET' as const],
  authLevel: 'function' as const,
  route: 'matrix',
  handler: matrixHandler(historySource, () => {
    const interval = sweepIntervalFromSchedule(process.env[APP_SETTINGS.sweepSchedule]);
    return interval ? { page: { sweepIntervalMs: interval } } : {};
  }),
};

app.http('matrix', matrixFunction);
