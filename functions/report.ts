import { app, type HttpHandler } from '@azure/functions';
import type { EnvironmentName } from '../shared/domain/environment-name.js';
import { type ReportSource, reportRoute } from '../shared/serve/matrix-routes.js';
import { historyRouteHandler, historySource } from './history-route.js';

/** GET /api/report: the latest stored SweepReport as JSON (function key required). */
export function reportHandler(source: (environment: EnvironmentName) => ReportSource): HttpHandler {
  return historyRouteHandler('report', (environment) => reportRoute(source(environment)), true);
}

export const reportFunction = {
  methods: ['GET' as const],
  authLevel: 'function' as const,
  route: 'report',
  handler: reportHandler(historySource),
};

app.http('report', reportFunction);
