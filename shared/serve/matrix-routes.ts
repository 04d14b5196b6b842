import {
  DEFAULT_ENVIRONMENT,
  ENVIRONMENT_NAME_RULE,
  type EnvironmentName,
  parseEnvironmentName,
} from '../domain/environment-name.js';
import { reportJsonBytes } from '../domain/report-json-chunks.js';
import type { ReportHistoryStore } from '../history/report-history-store.js';
import { escapeHtml } from '../report/html/html-escape.js';
import { DEFAULT_HISTORY_LENGTH } from '../report/html/matrix-model.js';
import { MATRIX_PAGE_CSP, type MatrixPageOptions, renderMatrixPage } from '../report/html/matrix-page.js';

/**
 * The two read routes, independent of who serves them (the Functions host or `tunnelwatch serve`):
 * GET /api/matrix → the page, GET /api/report → the latest report JSON.
 */

export type ReportSource = Pick<ReportHistoryStore, 'latest' | 'recent'>;

/** Each environment's reports; `?environment=NAME` picks one, the default environment without it. */
export type EnvironmentSources = (environment: EnvironmentName) => ReportSource;

/**
 * The environment a request asks for with `?environment=NAME` (`fallback` without it: the default
 * environment, or the first one of the config), or the 400 answer for a value that cannot be an environment name (it is not echoed back).
 */
export function requestedEnvironment(
  value: string | null,
  json: boolean,
  fallback: EnvironmentName = DEFAULT_ENVIRONMENT,
): EnvironmentName | RouteResponse {
  if (value === null || value === '') return fallback;
  const name = parseEnvironmentName(value);
  if (name) return name;
  const text = `The environment parameter must be ${ENVIRONMENT_NAME_RULE}.`;
  return json
    ? { status: 400, headers: JSON_HEADERS, body: JSON.stringify({ error: text }) }
    : {
        status: 400,
        headers: { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
        body: `${text}\n`,
      };
}

export interface RouteResponse {
  status: number;
  headers: Record<string, string>;
  /** Text, or bytes already encoded as UTF-8 (the report JSON, built piece by piece). */
  body: string | Buffer;
}

export interface MatrixRouteOptions {
  page?: MatrixPageOptions;
  now?: () => Date;
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The page's own policy plus what only a header can say: it may not be framed. */
const PAGE_HEADERS = {
  ...COMMON_HEADERS,
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `${MATRIX_PAGE_CSP}; frame-ancestors 'none'`,
};
const JSON_HEADERS = { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8' };

const NO_REPORT =
  'No sweep report is stored yet: the first sweep has not finished, or it could not save its report (with several environments, name one: ?environment=NAME).';

export async function matrixRoute(
  source: ReportSource,
  options: MatrixRouteOptions = {},
): Promise<RouteResponse> {
  const historyLength = options.page?.historyLength ?? DEFAULT_HISTORY_LENGTH;
  const recent = await source.recent({ limit: historyLength });
  const latest = recent[0] ?? (await source.latest());
  if (!latest) {
    return {
      status: 503,
      headers: { ...PAGE_HEADERS, 'retry-after': '60' },
      body: `<!doctype html><html lang="en"><meta charset="utf-8"><title>tunnelwatch</title><p>${escapeHtml(NO_REPORT)}</p></html>\n`,
    };
  }
  const now = options.now?.() ?? new Date();
  return { status: 200, headers: PAGE_HEADERS, body: renderMatrixPage(latest, recent, now, options.page) };
}

export async function reportRoute(source: ReportSource): Promise<RouteResponse> {
  const latest = await source.latest();
  if (!latest) {
    return {
      status: 503,
      headers: { ...JSON_HEADERS, 'retry-after': '60' },
      body: JSON.stringify({ error: NO_REPORT }),
    };
  }
  return { status: 200, headers: JSON_HEADERS, body: reportJsonBytes(latest) };
}

/** What a failing store turns into: the cause's class, never its message (it may quote a connection string). */
export function storeFailureResponse(error: unknown, json: boolean): RouteResponse {
  const kind = error instanceof Error ? error.name : 'error';
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  const text = `Could not read the stored sweep report (${kind}${typeof statusCode === 'number' ? ` ${statusCode}` : ''}); see the server log.`;
  return json
    ? { status: 502, headers: JSON_HEADERS, body: JSON.stringify({ error: text }) }
    : {
        status: 502,
        headers: PAGE_HEADERS,
        body: `<!doctype html><html lang="en"><meta charset="utf-8"><title>tunnelwatch</title><p>${escapeHtml(text)}</p></html>\n`,
      };
}
