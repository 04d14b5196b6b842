// The tunnelwatch workbook in Azure Monitor, over the Log Analytics workspace behind Application
// Insights. Its queries are infra/kql/workbook-*.kql (a test keeps the JSON and the files equal).

@description('Azure region of the workbook resource.')
param location string

@description('Resource id of the Log Analytics workspace the telemetry lands in.')
param workspaceId string

@description('Shown in the portal under Workbooks.')
param displayName string = 'tunnelwatch: IPsec overlay paths'

@description('Stable across deployments so a redeploy updates the same workbook.')
param workbookName string = guid(resourceGroup().id, 'tunnelwatch-workbook')

param tags object = {}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: workbookName
  location: location
  kind: 'shared'
  tags: tags
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: workspaceId
    serializedData: loadTextContent('tunnelwatch.workbook.json')
  }
}

output workbookId string = workbook.id
