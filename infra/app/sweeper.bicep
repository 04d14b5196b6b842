// The tunnelwatch Function App on Flex Consumption: the sweep timer (and the HTTP views), running as the
// user-assigned identity, integrated into the Functions subnet so it reaches the Docker hosts privately.
param name string
param location string = resourceGroup().location
param tags object = {}

@description('azd service name from azure.yaml; azd finds the app to deploy to by this tag.')
param serviceName string = 'sweeper'

param identityResourceId string
param identityClientId string
param storageAccountName string
param deploymentBlobEndpoint string
param deploymentContainerName string
param stateTableEndpoint string

@description('Queue service endpoint (https://<account>.queue.core.windows.net) for the per-environment sweep fan-out.')
param sweepQueueEndpoint string
@description('Blob endpoint of the report bodies (one blob per sweep; the state table keeps the index).')
param reportBlobEndpoint string
param appInsightsConnectionString string
param keyVaultName string
param functionsSubnetId string

@allowed(['20', '22'])
param nodeVersion string = '22'

@description('Memory per instance; the sweep is I/O-bound, so the smallest size is enough.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 512

@description('Scale-out cap. Timers run on one instance; this only bounds the HTTP views.')
param maximumInstanceCount int = 40

@description('NCRONTAB schedule of the sweep (six fields, seconds first).')
param sweepSchedule string

@description('The tunnelwatch config as inline JSON (no secrets in it: Docker credentials come from Key Vault).')
param monitorConfig string

@description('How the Functions authenticate to the Docker hosts: TLS client certificate or SSH key.')
@allowed(['tls', 'ssh'])
param dockerAuth string = 'tls'

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

// Key Vault references resolve through the user-assigned identity (keyVaultReferenceIdentity below);
// the app then sees the PEM text, never the vault's credentials.
var keyVaultSecretReference = '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName='

var dockerTlsSettings = {
  TUNNELWATCH_DOCKER_TLS_CA: '${keyVaultSecretReference}docker-tls-ca)'
  TUNNELWATCH_DOCKER_TLS_CERT: '${keyVaultSecretReference}docker-tls-cert)'
  TUNNELWATCH_DOCKER_TLS_KEY: '${keyVaultSecretReference}docker-tls-key)'
}

var dockerSshSettings = {
  TUNNELWATCH_DOCKER_SSH_KEY: '${keyVaultSecretReference}docker-ssh-key)'
}

// What the Functions host itself needs: storage and telemetry through the identity, no keys. And
// the Node worker's heap sized to the instance: V8 otherwise sizes it by the machine under the
// instance and lets it grow to a few times what is live. The old space is capped at half the
// instance (the host takes its share) and the young generation at 8 MB semi-spaces (NODE_OPTIONS
// takes only these two of the heap flags: node refuses to start on the others there). The rest goes
// on the worker's command line: the old space starts at a sixteenth of the instance (V8 would shrink
// its first limits to what survived and collect fully again and again as the report grows), grows
// by 15 % past what survives a full collection, and is collected on the worker's own thread: helper
// threads cost more CPU than they save on an instance of one or two cores. A 200-host sweep on
// 2,048 MB then peaks near 290 MB instead of 470, at ~4.2 s of CPU (docs/scale.md, the fleet bench's
// "as the Function's worker runs" line).
var hostSettings = {
  NODE_OPTIONS: '--max-old-space-size=${instanceMemoryMB / 2} --max-semi-space-size=8'
  languageWorkers__node__arguments: '--initial-old-space-size=${instanceMemoryMB / 16} --heap-growing-percent=15 --single-threaded-gc'
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
}

// What tunnelwatch's code reads (shared/config/app-settings.ts, kept in step by test/unit/infra).
var tunnelwatchSettings = {
  AZURE_CLIENT_ID: identityClientId
  TUNNELWATCH_CONFIG: monitorConfig
  SWEEP_SCHEDULE: sweepSchedule
  TUNNELWATCH_STATE_TABLE_ENDPOINT: stateTableEndpoint
  // An identity-based connection (Functions convention): the queue trigger and the timer's enqueue.
  TUNNELWATCH_SWEEP_QUEUE__queueServiceUri: sweepQueueEndpoint
  TUNNELWATCH_SWEEP_QUEUE__credential: 'managedidentity'
  TUNNELWATCH_SWEEP_QUEUE__clientId: identityClientId
  TUNNELWATCH_REPORT_BLOB_ENDPOINT: reportBlobEndpoint
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityResourceId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityResourceId
    virtualNetworkSubnetId: functionsSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${deploymentBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: { name: 'node', version: nodeVersion }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(
      hostSettings,
      tunnelwatchSettings,
      dockerAuth == 'tls' ? dockerTlsSettings : dockerSshSettings
    )
  }

  // No publishing passwords: azd deploys with an Entra token.
  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: { allow: false }
  }

  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }
}

output name string = site.name
output resourceId string = site.id
output defaultHostName string = site.properties.defaultHostName
