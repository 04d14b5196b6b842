// VNet with the subnet the Flex Consumption app integrates into, so the sweep reaches the Docker
// hosts' private addresses. Peer it with the hosts' VNet (or pass an existing subnet to main.bicep).
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Address space of the VNet. Must not overlap the Docker hosts\' network if you peer them.')
param addressPrefix string = '10.250.0.0/24'

@description('Prefix of the subnet delegated to Microsoft.App/environments (Flex Consumption).')
param functionsSubnetPrefix string = '10.250.0.0/26'

@description('Create an NSG on the Functions subnet that only lets it reach the Docker hosts on 2376/22.')
param createNsg bool = true

@description('Where the Docker hosts live: the only private destinations the Functions may reach (TCP 2376 and 22).')
param dockerHostAddressPrefixes array

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = if (createNsg) {
  name: 'nsg-${name}-functions'
  location: location
  tags: tags
  properties: {
    securityRules: [
      {
        name: 'allow-docker-api-tls-to-hosts'
        properties: {
          priority: 100
          direction: 'Outbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: functionsSubnetPrefix
          sourcePortRange: '*'
          destinationAddressPrefixes: dockerHostAddressPrefixes
          destinationPortRanges: ['2376', '22']
        }
      }
      {
        // Custom DNS servers in a peered/hub VNet must stay reachable (Azure DNS is not filtered).
        name: 'allow-dns'
        properties: {
          priority: 200
          direction: 'Outbound'
          access: 'Allow'
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: 'VirtualNetwork'
          destinationPortRange: '53'
        }
      }
      {
        // Everything else private is off limits: a compromised Function must not roam the network.
        name: 'deny-other-private-outbound'
        properties: {
          priority: 4000
          direction: 'Outbound'
          access: 'Deny'
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: 'VirtualNetwork'
          destinationPortRange: '*'
        }
      }
      {
        // Nothing calls into the Functions subnet; HTTP triggers arrive through the platform front end.
        name: 'deny-vnet-inbound'
        properties: {
          priority: 4001
          direction: 'Inbound'
          access: 'Deny'
          protocol: '*'
          sourceAddressPrefix: 'VirtualNetwork'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '*'
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [
      {
        name: 'functions'
        properties: {
          addressPrefix: functionsSubnetPrefix
          delegations: [
            {
              name: 'flex-consumption'
              properties: { serviceName: 'Microsoft.App/environments' }
            }
          ]
          networkSecurityGroup: createNsg ? { id: nsg.id } : null
        }
      }
    ]
  }

  resource functionsSubnet 'subnets' existing = {
    name: 'functions'
  }
}

output vnetId string = vnet.id
output functionsSubnetId string = vnet::functionsSubnet.id
output functionsSubnetPrefix string = functionsSubnetPrefix
