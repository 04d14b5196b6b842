// Storage for the Functions host, the deployment package, Table Storage (alert state, report
// index) and the report bodies (one blob per sweep in the reports container).
// Entra ID only: shared keys are disabled, so no connection string with a key exists anywhere.
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Blob container Flex Consumption deploys the app package into.')
param deploymentContainerName string

@description('Blob container of the sweep reports (shared/history/blob-report-history-store.ts DEFAULT_REPORT_CONTAINER).')
param reportsContainerName string = 'reports'

@description('Days after which the lifecycle rule deletes a report blob: a backstop, the code deletes reports older than 24 h itself.')
param reportsRetentionDays int = 1

@description('Container of sharded sweeps in flight (plan and shard results); the finish deletes them, the lifecycle rule is the backstop.')
param shardsContainerName string = 'sweep-shards'

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
    resource reportsContainer 'containers' = {
      name: reportsContainerName
      properties: { publicAccess: 'None' }
    }
    resource shardsContainer 'containers' = {
      name: shardsContainerName
      properties: { publicAccess: 'None' }
    }
  }

  // Backstop for report blobs the code did not delete (a save that failed half way, a scope no
  // longer swept): the lifecycle rule runs about once a day.
  resource lifecycle 'managementPolicies' = {
    name: 'default'
    properties: {
      policy: {
        rules: [
          {
            name: 'delete-old-reports'
            enabled: true
            type: 'Lifecycle'
            definition: {
              filters: {
                blobTypes: ['blockBlob']
                prefixMatch: ['${reportsContainerName}/', '${shardsContainerName}/']
              }
              actions: {
                baseBlob: { delete: { daysAfterModificationGreaterThan: reportsRetentionDays } }
              }
            }
          }
        ]
      }
    }
    dependsOn: [blobService::reportsContainer, blobService::shardsContainer]
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
output reportsContainerName string = reportsContainerName
// No trailing slash: the code appends table names to it.
output tableEndpoint string = 'https://${storage.name}.table.${environment().suffixes.storage}'
// No trailing slash: the code appends the queue name to it.
output queueEndpoint string = 'https://${storage.name}.queue.${environment().suffixes.storage}'
