"""The provider block: schema, settings resolution (config, then environment) and clients."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from tf.schema import Schema
from tf.types import Unknown

from world.terraform.provider_kit import StandInProvider

from .schema import BOOL, NUMBER, STRING, STRING_LIST, STRING_MAP, ListBlock, block, optional

# Endpoint names the stand-in honours; the others are accepted (and ignored) so that a
# tflocal-style override listing many services still validates.
HONOURED_ENDPOINTS = ("ec2", "s3", "sts", "iam", "dynamodb")
IGNORED_ENDPOINTS = (
    "apigateway", "cloudformation", "cloudwatch", "cloudwatchlogs", "ecr", "ecs", "efs", "elb",
    "elbv2", "es", "events", "firehose", "kinesis", "kms", "lambda", "logs", "rds", "redshift",
    "route53", "secretsmanager", "ses", "sns", "sqs", "ssm", "stepfunctions",
)  # fmt: skip
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def provider_schema() -> Any:
    """The subset of the hashicorp/aws provider block that the stand-in understands."""
    endpoints = block([optional(n, STRING) for n in HONOURED_ENDPOINTS + IGNORED_ENDPOINTS])
    return Schema(
        attributes=[
            optional("region", STRING),
            optional("access_key", STRING),
            optional("secret_key", STRING, sensitive=True),
            optional("token", STRING, sensitive=True),
            optional("profile", STRING),
            optional("shared_config_files", STRING_LIST),
            optional("shared_credentials_files", STRING_LIST),
            optional("max_retries", NUMBER),
            optional("insecure", BOOL),
            optional("skip_credentials_validation", BOOL),
            optional("skip_metadata_api_check", STRING),
            optional("skip_requesting_account_id", BOOL),
            optional("skip_region_validation", BOOL),
            optional("s3_use_path_style", BOOL),
        ],
        block_types=[
            ListBlock("endpoints", endpoints),
            ListBlock("default_tags", block([optional("tags", STRING_MAP)]), max_items=1),
        ],
    )


def _known(value: Any) -> Any:
    return None if value is Unknown else value


def _env(*names: str) -> str | None:
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return None


def _truthy(value: Any) -> bool:
    """skip_metadata_api_check is a string in the real schema ("true"/"false"); others bools."""
    return value is True or str(value).lower() == "true"


class SettingsError(Exception):
    """The provider block (with the environment) does not make a usable configuration."""


@dataclass
class Settings:
    """Where and as whom the provider talks, resolved from the provider block and env vars."""

    region: str
    access_key: str
    secret_key: str
    token: str | None
    endpoints: dict[str, str]
    default_tags: dict[str, str] = field(default_factory=dict)
    skip_credentials_validation: bool = False
    skip_requesting_account_id: bool = False
    skip_region_validation: bool = False
    max_retries: int = 2

    @classmethod
    def resolve(cls, config: dict[str, Any]) -> Settings:
        cfg = {k: _known(v) for k, v in config.items()}
        region = cfg.get("region") or _env("AWS_REGION", "AWS_DEFAULT_REGION")
        if not region:
            raise SettingsError("no region: set `region` in the provider block or AWS_REGION")
        access = cfg.get("access_key") or _env("AWS_ACCESS_KEY_ID")
        secret = cfg.get("secret_key") or _env("AWS_SECRET_ACCESS_KEY")
        token = cfg.get("token") or _env("AWS_SESSION_TOKEN")
        if not access or not secret:
            raise SettingsError(
                "no valid credential sources found: set access_key/secret_key in the provider "
                "block or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (profiles are not read)"
            )
        configured = {}
        for entry in cfg.get("endpoints") or []:
            configured.update({k: v for k, v in entry.items() if _known(v)})
        general = _env("AWS_ENDPOINT_URL")
        endpoints = {}
        for service in HONOURED_ENDPOINTS:
            url = configured.get(service) or _env(f"AWS_ENDPOINT_URL_{service.upper()}") or general
            if url:
                endpoints[service] = url
        if "ec2" not in endpoints:
            raise SettingsError(
                "no EC2 endpoint: this offline stand-in only talks to an emulator; set "
                "`endpoints { ec2 = ... }` in the provider block or AWS_ENDPOINT_URL"
            )
        default_tags: dict[str, str] = {}
        for entry in cfg.get("default_tags") or []:
            default_tags.update(entry.get("tags") or {})
        return cls(
            region=region,
            access_key=access,
            secret_key=secret,
            token=token,
            endpoints=endpoints,
            default_tags=default_tags,
            skip_credentials_validation=_truthy(cfg.get("skip_credentials_validation")),
            skip_requesting_account_id=_truthy(cfg.get("skip_requesting_account_id")),
            skip_region_validation=_truthy(cfg.get("skip_region_validation")),
            max_retries=int(cfg.get("max_retries") or 2),
        )

    def check_region(self) -> None:
        if not self.skip_region_validation and not REGION_RE.match(self.region):
            raise SettingsError(f"invalid AWS Region: {self.region}")


class AwsProvider(StandInProvider):
    """The `tf` Provider: holds the resolved settings and lazily created botocore clients."""

    type_name = "aws"
    model_prefix = "aws_"
    package = "world.terraform.aws_provider"

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()  # Terraform applies resources in parallel
        self._account_id: str | None = None

    # -- tf.iface.Provider (the rest: StandInProvider) --
    def get_provider_schema(self, diags: Any) -> Any:
        return provider_schema()

    def validate_config(self, diags: Any, config: dict[str, Any]) -> None:
        region = _known(config.get("region"))
        skip = _truthy(config.get("skip_region_validation"))
        if region and not skip and not REGION_RE.match(region):
            diags.add_error(f"invalid AWS Region: {region}", path=["region"])

    def configure_provider(self, diags: Any, config: dict[str, Any]) -> None:
        try:
            self.settings = Settings.resolve(config)
            self.settings.check_region()
        except SettingsError as exc:
            diags.add_error("configuring the offline AWS stand-in", str(exc))
            return
        if not self.settings.skip_credentials_validation:
            try:
                self._account_id = self.client("sts").get_caller_identity()["Account"]
            except Exception as exc:
                diags.add_error(
                    "validating provider credentials",
                    f"calling sts:GetCallerIdentity at {self.endpoint('sts')}: {exc}",
                )

    # -- helpers for resources --
    @property
    def config(self) -> Settings:
        if self.settings is None:
            raise SettingsError("the provider was not configured")
        return self.settings

    def endpoint(self, service: str) -> str:
        return self.config.endpoints.get(service) or self.config.endpoints["ec2"]

    def client(self, service: str) -> Any:
        """A botocore client for the emulator (botocore is imported on first use only)."""
        with self._clients_lock:
            return self._client(service)

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            import botocore.session
            from botocore.config import Config

            s = self.config
            self._clients[service] = botocore.session.get_session().create_client(
                service,
                region_name=s.region,
                endpoint_url=self.endpoint(service),
                aws_access_key_id=s.access_key,
                aws_secret_access_key=s.secret_key,
                aws_session_token=s.token,
                config=Config(
                    retries={"max_attempts": s.max_retries + 1, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=60,
                ),
            )
        return self._clients[service]

    @property
    def ec2(self) -> Any:
        return self.client("ec2")

    @property
    def region(self) -> str:
        return self.config.region

    def account_id(self) -> str:
        """The caller's account (sts), or "" when skip_requesting_account_id is set."""
        if self._account_id is None:
            if self.config.skip_requesting_account_id:
                return ""
            self._account_id = str(self.client("sts").get_caller_identity()["Account"])
        return self._account_id

    def arn(self, resource: str, owner: str | None = None) -> str:
        account = owner if owner is not None else self.account_id()
        return f"arn:aws:ec2:{self.region}:{account}:{resource}"
