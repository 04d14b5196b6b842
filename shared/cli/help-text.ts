import { APP_SETTINGS } from '../config/app-settings.js';
import { DEFAULT_SERVE_INTERVAL_SEC, DEFAULT_SERVE_PORT } from './parse-cli-args.js';

const CONFIG_OPTION = `  --config PATH  config file, JSON or YAML (default: the ${APP_SETTINGS.config} setting,
                 a file path or inline JSON starting with "{")
  --environment NAME
                 only this environment of a config with "environments" (default: all of
                 them, at once; each gets its own heading, report and page)`;

export const MAIN_HELP = `Usage: tunnelwatch <command> [options]

Synthetic monitor for Rancher-style IPsec container overlays.

Commands:
  sweep      probe every host pair through the Network Agents and diagnose each pair
  discover   list hosts, their Network Agent and its overlay IP
  serve      sweep on an interval and serve the path matrix page on 127.0.0.1
  cleanup    remove what tunnelwatch leaves on the hosts (the IKE probe program, carriers)

Run "tunnelwatch <command> --help" for a command's options.
`;

export const SWEEP_HELP = `Usage: tunnelwatch sweep [--config PATH] [--environment NAME] [--json] [--export CONN [--entra]]
                        [--alert-state TABLE] [--history TABLE [--history-blob BLOB]]
                        [--html FILE]

Asks every host's Network Agent to ping every peer agent (one docker exec per agent),
then prints a host-by-host matrix of RTT and loss and one verdict per ordered host pair.
Progress goes to stderr when the sweep takes longer than a second.

The options below run the same after-sweep pipeline as the timer Function, in its order:
alert state, report history, telemetry.

Options:
${CONFIG_OPTION}
  --json         print exactly one JSON document (the sweep report) instead of text
  --export CONN  send telemetry to Application Insights; CONN is its connection string.
                 NODE_EXTRA_CA_CERTS is honoured for a private ingestion endpoint.
  --entra        authenticate ingestion with Entra ID (AZURE_CLIENT_ID's managed identity,
                 else DefaultAzureCredential: az login, environment, ...); needed when the
                 resource has local auth disabled, as the infra/ deployment does. Also on
                 when ${APP_SETTINGS.appInsightsAuthenticationString} says Authorization=AAD.
  --alert-state TABLE
                 run the alert state machine (open after 2 failing sweeps, resolve after 2
                 healthy ones) in Azure Table Storage: a storage connection string, or an
                 https://<account>.table.core.windows.net URL (then Entra ID, as --entra);
                 plain http only to loopback (Azurite)
  --history TABLE
                 save the report to the report history the Function's matrix page reads
                 (same forms as --alert-state); one table row per sweep, reports up to
                 ~80 hosts
  --history-blob BLOB
                 with --history: keep each report as one gzipped blob (container "reports")
                 and only a small index row per sweep in TABLE, for meshes beyond one row;
                 BLOB is a storage connection string or an
                 https://<account>.blob.core.windows.net URL (then Entra ID, as --entra)
  --html FILE    write the self-contained path matrix page to FILE (with --history, the
                 page's history strips show the stored sweeps, else only this one)
  -h, --help     show this help

CONN, TABLE and BLOB may be given as env:NAME to read them from the environment variable NAME,
which keeps keys out of the process list and shell history. Keys are never printed.

Exit codes: 0 all up, 1 degraded, 2 down, 3 unknown (could not measure, or an --alert-state,
--history or --html step failed), 64 usage or config error.
`;

export const DISCOVER_HELP = `Usage: tunnelwatch discover [--config PATH] [--environment NAME] [--json]

Lists every configured host with its Network Agent container, overlay IP and any problem
found (no agent, several agents, agent stopped, Docker endpoint unreachable). Probes nothing.

Options:
${CONFIG_OPTION}
  --json         print exactly one JSON document: { "hosts": [...] }
  -h, --help     show this help

Exit codes: 0 every host has a running agent, 2 some host has none, 3 some host could not
be asked, 64 usage or config error.
`;

export const CLEANUP_HELP = `Usage: tunnelwatch cleanup [--config PATH] [--environment NAME]

Removes, on every configured host, what tunnelwatch leaves there: the IKE probe program in the
running agent (/tmp/tunnelwatch-ike-probe-<hash>, this version's and older ones) with any batch
directory an interrupted sweep left (/tmp/tunnelwatch-<nonce>), the IKE
probe's carrier where an agent needed one (label io.tunnelwatch.carrier; it also ends with its
agent) and any one-shot sidecar of older versions (label io.tunnelwatch.sidecar). The next sweep
puts the program back (or starts a carrier) where it needs it. Prints one line per host.

Options:
${CONFIG_OPTION}
  -h, --help     show this help

Exit codes: 0 every host cleaned, 3 some host could not be asked, 64 usage or config error.
`;

export const SERVE_HELP = `Usage: tunnelwatch serve [--config PATH] [--environment NAME] [--port N] [--interval SEC] [--count N]

Sweeps on an interval, keeps the recent reports in memory and serves the path matrix page
on 127.0.0.1 (no authentication, so loopback only): GET /api/matrix (the page) and
GET /api/report (the latest report JSON). Requests whose Host is not 127.0.0.1:PORT or
localhost:PORT get 421 (a DNS-rebinding page cannot read them). Prints the page URL on stdout, one summary line
per sweep on stderr. Stops on Ctrl-C / SIGTERM, or after --count sweeps.

Options:
${CONFIG_OPTION}
  --port N       port on 127.0.0.1 (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)
  --interval SEC seconds from one sweep's start to the next (default ${DEFAULT_SERVE_INTERVAL_SEC}, at least 1)
  --count N      stop after N sweeps
  -h, --help     show this help

Exit codes: the last sweep's (0 up, 1 degraded, 2 down, 3 unknown), 64 usage or config
error or the port is taken.
`;
