// Storage for the Functions host, the deployment package and Table Storage (alert state).
// Entra ID only: shared keys are disabled, so no connection string with a key exists anywhere.
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Blob container Flex Consumption deploys the app package into.')
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }

  resource blobService 'blobServices' = {
    name: 'default'
    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: { publicAccess: 'None' }
    }
  }

  // The code creates its own tables on first use (Storage Table Data Contributor allows it).
  resource tableService 'tableServices' = {
    name: 'default'
  }

  // The fan-out: the timer enqueues one message per environment, the queue trigger sweeps each
  // (functions/sweep-queue.ts); the host moves a message that keeps failing to <name>-poison.
  resource queueService 'queueServices' = {
    name: 'default'
    resource sweepQueue 'queues' = {
      name: 'tunnelwatch-sweeps'
    }
  }
}

output name string = storage.name
output resourceId string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
// No trailing slash: the code appends table names to it.
output tableEndpoint string = 'https://${storage.name}.table.${environment().suffixes.storage}'
// No trailing slash: the code appends the queue name to it.
output queueEndpoint string = 'https://${storage.name}.queue.${environment().suffixes.storage}'
