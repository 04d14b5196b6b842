// Key Vault in RBAC mode for the Docker client credentials (TLS cert/key/CA or SSH key). Bicep creates
// the vault only; operators upload the secrets (docs/deploy.md), so they never pass through a deployment.
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Purge protection is safer but makes `azd down --purge` unable to free the name for 7+ days.')
param enablePurgeProtection bool = false

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

output name string = vault.name
output resourceId string = vault.id
output uri string = vault.properties.vaultUri
