// The simulated fleet in a process of its own, so that a bench measuring the monitor's CPU and memory
// does not count the fake daemons'. Usage: tsx fleet-process.ts HOSTS [FAULTS-JSON]
// Prints one JSON line {"config": PATH} when ready; closes everything when stdin ends.
import { startSimulatedFleet } from '../simulated-docker-fleet.js';

const hosts = Number(process.argv[2]);
const faults = JSON.parse(process.argv[3] ?? '[]');
const fleet = await startSimulatedFleet({ hosts, faults, probeImage: 'all' });
const config = await fleet.writeConfig({ sweep: { deadlineMs: 300_000, concurrency: 16 } });
process.stdout.write(`${JSON.stringify({ config })}\n`);

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  const counts = Object.fromEntries(fleet.requestCounts());
  const longestUrl = Math.max(...[...fleet.servers.values()].map((s) => s.longestUrl));
  process.stdout.write(`${JSON.stringify({ requests: counts, longestUrl })}\n`);
  await fleet.close();
  process.exit(0);
};
process.stdin.on('end', close);
process.stdin.resume();
process.on('SIGTERM', close);
