// pulumi-tfgen-docker: `pulumi-tfgen-docker schema --out DIR` writes the Pulumi schema the provider embeds.
package main

import (
	"flowforge.invalid/pulumi-docker-provider/info"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
)

var version = "0.0.0-dev" // -ldflags "-X main.version=..."

func main() {
	tfgen.Main("docker", version, info.Provider(version))
}
