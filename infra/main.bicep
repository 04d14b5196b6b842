// tunnelwatch on Azure: `azd up` deploys this. Subscription scope so azd can create the resource group;
// every resource goes into that one group, so `azd down --purge` removes everything.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds the resource-name token.')
param environmentName string

@minLength(1)
@description('Region for everything. Must offer Flex Consumption.')
param location string

@description('The tunnelwatch config JSON, base64-encoded (survives azd env quoting): base64 -w0 tunnelwatch.json.')
param monitorConfigBase64 string = ''

@description('NCRONTAB schedule of the sweep (six fields, seconds first).')
param sweepSchedule string = '0 */1 * * * *'

@description('How the Functions authenticate to the Docker hosts.')
@allowed(['tls', 'ssh'])
param dockerAuth string = 'tls'

@description('Private prefixes of the Docker hosts: the only private destinations (TCP 2376/22) the Functions subnet may reach.')
param dockerHostAddressPrefixes array = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']

@description('Address space of the VNet created for the Functions (ignored with functionsSubnetId).')
param vnetAddressPrefix string = '10.250.0.0/24'

@description('Functions subnet prefix inside vnetAddressPrefix (ignored with functionsSubnetId).')
param functionsSubnetPrefix string = '10.250.0.0/26'

@description('Resource id of an existing subnet delegated to Microsoft.App/environments, e.g. in the hosts\' VNet. Empty: create a VNet.')
param functionsSubnetId string = ''

@description('E-mail address for alerts; empty for an action group without receivers.')
param alertEmail string = ''

@description('Lookback of the dead-man alert (ISO 8601, at most P2D): how long a silent environment is remembered; each environment is judged by its own sweep interval.')
param heartbeatAlertWindow string = 'P1D'

@description('Window of the path-down alert (ISO 8601): longer than the slowest environment\'s sweep interval plus ingestion delay, or its alerts resolve between sweeps.')
param pathDownAlertWindow string = 'PT5M'

@description('Object id of whoever runs azd (set by azd); gets Key Vault Secrets Officer to upload the Docker credentials.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@allowed(['20', '22'])
param nodeVersion string = '22'

@description('Log Analytics daily cap in GB (-1 = none).')
param logDailyQuotaGb int = 1

var token = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName, application: 'tunnelwatch' }
var serviceName = 'sweeper'
var deploymentContainerName = 'app-package'
var createVnet = empty(functionsSubnetId)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity/user-assigned-identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-tw-${token}'
    location: location
    tags: tags
  }
}

module network 'core/network/functions-vnet.bicep' = if (createVnet) {
  name: 'network'
  scope: rg
  params: {
    name: 'vnet-tw-${token}'
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
    functionsSubnetPrefix: functionsSubnetPrefix
    dockerHostAddressPrefixes: dockerHostAddressPrefixes
  }
}

module storage 'core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'sttw${token}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module logAnalytics 'core/monitor/log-analytics.bicep' = {
  name: 'log-analytics'
  scope: rg
  params: {
    name: 'log-tw-${token}'
    location: location
    tags: tags
    dailyQuotaGb: logDailyQuotaGb
  }
}

module appInsights 'core/monitor/application-insights.bicep' = {
  name: 'application-insights'
  scope: rg
  params: {
    name: 'appi-tw-${token}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
  }
}

module keyVault 'core/security/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: 'kv-tw-${token}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    appInsightsName: appInsights.outputs.name
    keyVaultName: keyVault.outputs.name
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module sweeper 'app/sweeper.bicep' = {
  name: 'sweeper'
  scope: rg
  // The app reads storage, telemetry and Key Vault as the identity from its first start.
  dependsOn: [rbac]
  params: {
    name: 'func-tw-${token}'
    location: location
    tags: tags
    serviceName: serviceName
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    stateTableEndpoint: storage.outputs.tableEndpoint
    sweepQueueEndpoint: storage.outputs.queueEndpoint
    reportBlobEndpoint: storage.outputs.blobEndpoint
    appInsightsConnectionString: appInsights.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    functionsSubnetId: createVnet ? network!.outputs.functionsSubnetId : functionsSubnetId
    nodeVersion: nodeVersion
    sweepSchedule: sweepSchedule
    monitorConfig: empty(monitorConfigBase64) ? '' : base64ToString(monitorConfigBase64)
    dockerAuth: dockerAuth
  }
}

module actionGroup 'core/monitor/action-group.bicep' = {
  name: 'action-group'
  scope: rg
  params: {
    name: 'ag-tw-${token}'
    tags: tags
    alertEmail: alertEmail
  }
}

module alertRules 'app/alert-rules.bicep' = {
  name: 'alert-rules'
  scope: rg
  params: {
    namePrefix: 'tw-${token}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    actionGroupResourceId: actionGroup.outputs.resourceId
    heartbeatWindow: heartbeatAlertWindow
    pathDownWindow: pathDownAlertWindow
  }
}

module workbook 'workbook/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    workspaceId: logAnalytics.outputs.resourceId
  }
}

// azd stores these in .azure/<env>/.env; docs/deploy.md uses them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = sweeper.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${sweeper.outputs.defaultHostName}'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_FUNCTIONS_SUBNET_ID string = createVnet ? network!.outputs.functionsSubnetId : functionsSubnetId
output AZURE_FUNCTIONS_SUBNET_PREFIX string = createVnet ? network!.outputs.functionsSubnetPrefix : ''
output AZURE_ALERT_RULE_NAMES array = alertRules.outputs.ruleNames
output APPLICATIONINSIGHTS_CONNECTION_STRING string = appInsights.outputs.connectionString
output TUNNELWATCH_STATE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output TUNNELWATCH_REPORT_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_WORKBOOK_ID string = workbook.outputs.workbookId
