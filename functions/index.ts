// Entry point the Functions host loads (package.json "main"); every function registers on import.
import './sweep-timer.js';
