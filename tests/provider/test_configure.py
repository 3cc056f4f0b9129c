"""Stack config -> client settings, in process (the gRPC path is covered by every test in this folder)."""

from __future__ import annotations

from provider.client.credentials import ClientSettings, resolve_endpoint
from provider.resource import settings_from_config


def test_stack_config_keys_become_client_settings_and_endpoints() -> None:
    config = {"alicloud:region": "cn-shanghai", "emr:network": "vpc", "alicloud:accessKey": "", "emr:endpoint": None}

    settings = settings_from_config(config.get)

    assert settings == ClientSettings(region="cn-shanghai", network="vpc")
    assert resolve_endpoint(settings, environ={}) == "https://emr-serverless-spark-vpc.cn-shanghai.aliyuncs.com"


def test_secret_config_values_never_show_in_the_settings_repr() -> None:
    config = {
        "alicloud:accessKey": "AKID-example",
        "alicloud:secretKey": "s3cr3t-value",
        "alicloud:region": "cn-hangzhou",
    }

    settings = settings_from_config(config.get)

    assert settings.access_key_secret == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(settings)
