// Log search alert rules over the telemetry in the Log Analytics workspace behind Application Insights.
// The queries live in infra/kql/ (owned with the telemetry code); each file's header states the rule's
// scope, frequency, window and dimensions, and test/unit/infra keeps these rules equal to it.
// Contract: a query returns ONE ROW PER PROBLEM with the dimension columns; each distinct combination is
// its own alert, which resolves by itself (autoMitigate) when the query stops returning that row.

param namePrefix string
param location string = resourceGroup().location
param tags object = {}
param workspaceResourceId string
param actionGroupResourceId string

@description('Window of the path-down rule: must hold every environment\'s latest sweep, so longer than the slowest environment\'s sweep interval plus ingestion delay.')
param pathDownWindow string = 'PT5M'

@description('Window (lookback) of the dead-man rule: how long a silent environment is remembered, at most P2D. An environment is silent after 3 of its own sweep intervals; see infra/kql/alert-heartbeat-missing.kql.')
param heartbeatWindow string = 'P1D'

var rules = [
  {
    key: 'path-down'
    displayName: 'tunnelwatch: path down'
    description: 'A host-to-host path of an environment is down; the cause dimension says why (tunnel, UDP 500, UDP 4500, underlay, agent).'
    severity: 1
    evaluationFrequency: 'PT1M'
    windowSize: pathDownWindow
    query: loadTextContent('../kql/alert-path-down.kql')
    dimensions: ['environment', 'source', 'destination', 'cause', 'alertId']
  }
  {
    key: 'heartbeat-missing'
    displayName: 'tunnelwatch: monitor heartbeat missing'
    description: 'An environment sent no sweep heartbeat for 3 of its intervals, or (environment *) none sweeps: the monitor is down there, so silence means nothing.'
    severity: 1
    evaluationFrequency: 'PT1M'
    windowSize: heartbeatWindow
    query: loadTextContent('../kql/alert-heartbeat-missing.kql')
    dimensions: ['environment']
  }
  {
    key: 'sustained-loss'
    displayName: 'tunnelwatch: sustained packet loss'
    description: 'A path of an environment has lost packets for a sustained period while still up.'
    severity: 2
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    query: loadTextContent('../kql/alert-sustained-loss.kql')
    dimensions: ['environment', 'source', 'destination']
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: '${namePrefix}-${rule.key}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [workspaceResourceId]
      evaluationFrequency: rule.evaluationFrequency
      windowSize: rule.windowSize
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            dimensions: [for dimension in rule.dimensions: { name: dimension, operator: 'Include', values: ['*'] }]
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
          }
        ]
      }
      actions: { actionGroups: [actionGroupResourceId] }
    }
  }
]

output ruleNames array = [for (rule, i) in rules: alertRules[i].name]
