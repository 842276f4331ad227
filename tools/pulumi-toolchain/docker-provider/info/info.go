// Package info maps kreuzwerker's docker_* Terraform resources to the tokens and property names of the
// pulumi-docker Python SDK pinned in pyproject.toml.
package info

import (
	"strings"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	ptokens "github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

const pkg = "docker"

// res: docker:index/<camel>:<Pascal>, e.g. docker:index/remoteImage:RemoteImage.
func res(name string) *tfbridge.ResourceInfo {
	camel := strings.ToLower(name[:1]) + name[1:]
	return &tfbridge.ResourceInfo{Tok: ptokens.Type(pkg + ":index/" + camel + ":" + name)}
}

// ds: docker:index/<fn>:<fn>, e.g. docker:index/getNetwork:getNetwork.
func ds(fn string) *tfbridge.DataSourceInfo {
	return &tfbridge.DataSourceInfo{Tok: ptokens.ModuleMember(pkg + ":index/" + fn + ":" + fn)}
}

// Provider returns the bridge configuration; version is the plugin version the engine asks for.
func Provider(version string) tfbridge.ProviderInfo {
	container := res("Container")
	container.DeleteBeforeReplace = true
	container.Fields = map[string]*tfbridge.SchemaInfo{
		"command":           {Name: "command"},          // one command line, not a list of commands
		"networks_advanced": {Name: "networksAdvanced"}, // not pluralised in the SDK
	}
	image := res("RemoteImage")
	image.Fields = map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}}

	prov := tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(shim.NewProvider()),
		Name:        pkg,
		Version:     version,
		Description: "FlowForge's bridged docker provider (kreuzwerker/terraform-provider-docker)",
		License:     "Apache-2.0",
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{
				Value:   "unix:///var/run/docker.sock",
				EnvVars: []string{"DOCKER_HOST"},
			}},
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container":      container,
			"docker_image":          image,
			"docker_network":        res("Network"),
			"docker_volume":         res("Volume"),
			"docker_config":         res("ServiceConfig"),
			"docker_secret":         res("Secret"),
			"docker_service":        res("Service"),
			"docker_registry_image": res("RegistryImage"),
			"docker_plugin":         res("Plugin"),
			"docker_tag":            res("Tag"),
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_network":        ds("getNetwork"),
			"docker_registry_image": ds("getRegistryImage"),
			"docker_plugin":         ds("getPlugin"),
			"docker_image":          ds("getRemoteImage"),
		},
	}
	// Everything else upstream has gets docker:index/<camel>:<Pascal> tokens.
	prov.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard(pkg)))
	prov.SetAutonaming(255, "-")
	return prov
}
