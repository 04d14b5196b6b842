// Application Insights with local (instrumentation key) auth disabled: ingestion needs an Entra token
// from an identity holding Monitoring Metrics Publisher, so the connection string is not a secret.
param name string
param location string = resourceGroup().location
param tags object = {}
param workspaceResourceId string

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: name
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspaceResourceId
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

output resourceId string = appInsights.id
output name string = appInsights.name
output connectionString string = appInsights.properties.ConnectionString
