// pulumi-resource-docker: the provider plugin. schema.json is written next to this file by pulumi-tfgen-docker
// before this package is built.
package main

import (
	_ "embed"

	"flowforge.invalid/pulumi-docker-provider/info"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
)

var version = "0.0.0-dev" // -ldflags "-X main.version=..."

//go:embed schema.json
var schema []byte

func main() {
	tfbridge.Main("docker", version, info.Provider(version), schema)
}
