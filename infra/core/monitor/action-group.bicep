// Who hears about a broken path. With no e-mail the group exists but notifies nobody (add receivers later).
param name string
param tags object = {}

@description('E-mail address that receives tunnelwatch alerts; empty for none.')
param alertEmail string = ''

@maxLength(12)
param shortName string = 'tunnelwatch'

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    groupShortName: shortName
    enabled: true
    emailReceivers: empty(alertEmail)
      ? []
      : [
          {
            name: 'operator-email'
            emailAddress: alertEmail
            useCommonAlertSchema: true
          }
        ]
  }
}

output resourceId string = actionGroup.id
