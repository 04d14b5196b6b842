import { APP_SETTINGS } from '../config/app-settings.js';

const CONFIG_OPTION = `  --config PATH  config file, JSON or YAML (default: the ${APP_SETTINGS.config} setting,
                 a file path or inline JSON starting with "{")`;

export const MAIN_HELP = `Usage: tunnelwatch <command> [options]

Synthetic monitor for Rancher-style IPsec container overlays.

Commands:
  sweep      probe every host pair through the Network Agents and diagnose each pair
  discover   list hosts, their Network Agent and its overlay IP

Run "tunnelwatch <command> --help" for a command's options.
`;

export const SWEEP_HELP = `Usage: tunnelwatch sweep [--config PATH] [--json]

Asks every host's Network Agent to ping every peer agent (one docker exec per agent),
then prints a host-by-host matrix of RTT and loss and one verdict per ordered host pair.
Progress goes to stderr when the sweep takes longer than a second.

Options:
${CONFIG_OPTION}
  --json         print exactly one JSON document (the sweep report) instead of text
  -h, --help     show this help

Exit codes: 0 all up, 1 degraded, 2 down, 3 unknown (could not measure),
64 usage or config error.
`;

export const DISCOVER_HELP = `Usage: tunnelwatch discover [--config PATH] [--json]

Lists every configured host with its Network Agent container, overlay IP and any problem
found (no agent, several agents, agent stopped, Docker endpoint unreachable). Probes nothing.

Options:
${CONFIG_OPTION}
  --json         print exactly one JSON document: { "hosts": [...] }
  -h, --help     show this help

Exit codes: 0 every host has a running agent, 2 some host has none, 3 some host could not
be asked, 64 usage or config error.
`;
