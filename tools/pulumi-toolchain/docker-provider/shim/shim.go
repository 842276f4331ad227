// Package shim exposes kreuzwerker's SDKv2 docker provider (an internal package) to the Pulumi bridge.
// Its import path sits under github.com/terraform-providers/terraform-provider-docker, which is what
// Go's internal-package rule requires.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the SDKv2 provider (the plugin-framework half of upstream is not bridged).
func NewProvider() *schema.Provider {
	return provider.New("")()
}
