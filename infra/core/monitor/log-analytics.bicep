// Workspace behind Application Insights. The daily cap bounds cost if something floods telemetry.
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Days of retention; 30 is included in the ingestion price.')
param retentionInDays int = 30

@description('Daily ingestion cap in GB (-1 = none). When hit, heartbeats stop arriving and the dead-man alert fires.')
param dailyQuotaGb int = 1

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
    workspaceCapping: { dailyQuotaGb: dailyQuotaGb }
    features: { disableLocalAuth: true }
  }
}

output resourceId string = workspace.id
output name string = workspace.name
