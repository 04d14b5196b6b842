// Test-only stand-in for @azure/functions-core (normally provided by the Functions worker):
// records what @azure/functions would register with the host.
const registered = [];
module.exports = {
  registered,
  setProgrammingModel() {},
  registerFunction(metadata, handler) {
    registered.push({ metadata, handler });
    return { dispose() {} };
  },
  log() {},
};
