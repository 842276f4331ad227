"""FlowForge infra: a Pulumi program for FlowForge's self-hosted Prefect platform on Docker."""
