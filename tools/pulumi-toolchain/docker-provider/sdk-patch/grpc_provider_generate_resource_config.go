// Added by tools/pulumi-toolchain.sh to its build copy of github.com/pulumi/terraform-plugin-sdk/v2 (helper/schema):
// kreuzwerker's provider needs terraform-plugin-go v0.31, whose tfprotov5.ProviderServer gained
// GenerateResourceConfig, which the fork pinned by pulumi-terraform-bridge predates. The bridge calls the SDK
// in-process and never serves this RPC; Terraform only calls it when the server advertises the capability.

package schema

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"

	"github.com/hashicorp/terraform-plugin-sdk/v2/internal/plugin/convert"
)

func (s *GRPCProviderServer) GenerateResourceConfig(ctx context.Context, req *tfprotov5.GenerateResourceConfigRequest) (*tfprotov5.GenerateResourceConfigResponse, error) {
	resp := &tfprotov5.GenerateResourceConfigResponse{}
	resp.Diagnostics = convert.AppendProtoDiag(ctx, resp.Diagnostics,
		fmt.Errorf("GenerateResourceConfig is not supported by this build of the SDK (resource type %s)", req.TypeName))
	return resp, nil
}
