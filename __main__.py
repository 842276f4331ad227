"""FlowForge's Prefect platform: read config, build the platform, export the contract."""

import pulumi

from flowforge_infra.config import load_settings
from flowforge_infra.platform import PrefectPlatform

platform = PrefectPlatform("flowforge", load_settings())
for output_name, value in platform.stack_outputs.items():
    pulumi.export(output_name, value)
