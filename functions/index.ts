// Entry point the Functions host loads (package.json "main"); every function registers on import.
// Telemetry first: useAzureMonitor has to run before anything it should see is loaded.
import './start-telemetry.js';
import './sweep-timer.js';
import './sweep-queue.js';
import './matrix.js';
import './report.js';
