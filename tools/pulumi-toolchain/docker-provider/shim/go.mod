module github.com/terraform-providers/terraform-provider-docker/shim

go 1.25

require (
	github.com/hashicorp/terraform-plugin-sdk/v2 v2.40.1
	github.com/terraform-providers/terraform-provider-docker v0.0.0-00010101000000-000000000000
)
