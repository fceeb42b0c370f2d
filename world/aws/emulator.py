"""AWS emulators behind one interface: moto in process, or LocalStack (URL or container).

Both give an endpoint, a region and test credentials; the harness builds the same env and
override files from either. `resources()` lists what a run left behind, which is how a
check proves that `terraform destroy` (or the learner's teardown) removed everything.
"""

from __future__ import annotations

import logging
import os
import socket
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from harness import engine, waits

DEFAULT_REGION = "us-east-1"
TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
LOCALSTACK_IMAGE = "localstack/localstack"
LOCALSTACK_URL_ENV = "KATA_LOCALSTACK_URL"


@dataclass(frozen=True)
class KataAmi:
    """An image the emulator must know so that common `data "aws_ami"` lookups succeed."""

    ami_id: str
    name: str
    owner_id: str
    owner_alias: str
    architecture: str = "x86_64"
    description: str = ""


CANONICAL = "099720109477"
# moto's own catalogue stops at Ubuntu 16.04; katas look up current LTS images by name.
KATA_AMIS = (
    KataAmi(
        "ami-0a0e5d9c7acc336f1",
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240605",
        CANONICAL,
        "",
        description="Canonical, Ubuntu, 22.04 LTS, amd64 jammy image",
    ),
    KataAmi(
        "ami-0b1a2c3d4e5f60718",
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20240605",
        CANONICAL,
        "",
        "arm64",
        description="Canonical, Ubuntu, 22.04 LTS, arm64 jammy image",
    ),
    KataAmi(
        "ami-04b70fa74e45c3917",
        "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20240606",
        CANONICAL,
        "",
        description="Canonical, Ubuntu, 24.04 LTS, amd64 noble image",
    ),
    KataAmi(
        "ami-0c2d3e4f5a6b7c8d9",
        "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20240606",
        CANONICAL,
        "",
        "arm64",
        description="Canonical, Ubuntu, 24.04 LTS, arm64 noble image",
    ),
    KataAmi(
        "ami-058bd2d568351da34",
        "debian-12-amd64-20240507-1740",
        "136693071363",
        "",
        description="Debian 12 (20240507-1740)",
    ),
)


class AwsEmulator(Protocol):
    """What the harness needs from an AWS emulator."""

    endpoint: str
    region: str

    def credentials(self) -> dict[str, str]: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def reset(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def resources(self, tag_filter: dict[str, str] | None = None) -> list[str]: ...
    def ensure_bucket(self, name: str) -> None: ...
    def ensure_lock_table(self, name: str) -> None: ...


class EmulatorUnavailable(RuntimeError):
    """The emulator cannot be used here; the message says exactly why."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _tags_match(tags: list[dict[str, str]] | None, wanted: dict[str, str] | None) -> bool:
    if not wanted:
        return True
    have = {t["Key"]: t["Value"] for t in tags or []}
    return all(have.get(k) == v for k, v in wanted.items())


class _EmulatorBase:
    """Shared client-side behaviour: leftovers, state bucket, lock table."""

    endpoint: str = ""
    region: str = DEFAULT_REGION

    def credentials(self) -> dict[str, str]:
        return {**TEST_CREDENTIALS, "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def resources(self, tag_filter: dict[str, str] | None = None) -> list[str]:
        """`kind/id` for every non-default VPC, subnet, internet gateway, non-main route
        table, non-default security group, key pair and not-terminated instance."""
        ec2 = self.client("ec2")
        found: list[str] = []

        def add(kind: str, ident: str, tags: list[dict[str, str]] | None) -> None:
            if _tags_match(tags, tag_filter):
                found.append(f"{kind}/{ident}")

        for vpc in ec2.describe_vpcs()["Vpcs"]:
            if not vpc.get("IsDefault"):
                add("vpc", vpc["VpcId"], vpc.get("Tags"))
        for subnet in ec2.describe_subnets()["Subnets"]:
            if not subnet.get("DefaultForAz"):
                add("subnet", subnet["SubnetId"], subnet.get("Tags"))
        for igw in ec2.describe_internet_gateways()["InternetGateways"]:
            add("internet-gateway", igw["InternetGatewayId"], igw.get("Tags"))
        for table in ec2.describe_route_tables()["RouteTables"]:
            if not any(a.get("Main") for a in table.get("Associations") or []):
                add("route-table", table["RouteTableId"], table.get("Tags"))
        for group in ec2.describe_security_groups()["SecurityGroups"]:
            if group["GroupName"] != "default":
                add("security-group", group["GroupId"], group.get("Tags"))
        for key in ec2.describe_key_pairs()["KeyPairs"]:
            add("key-pair", key["KeyName"], key.get("Tags"))
        for reservation in ec2.describe_instances()["Reservations"]:
            for instance in reservation["Instances"]:
                if instance["State"]["Name"] != "terminated":
                    add("instance", instance["InstanceId"], instance.get("Tags"))
        return found

    def ensure_bucket(self, name: str) -> None:
        s3 = self.client("s3")
        if name in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
            return
        args: dict[str, Any] = {"Bucket": name}
        if self.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        s3.create_bucket(**args)

    def ensure_lock_table(self, name: str) -> None:
        """A DynamoDB table for the s3 backend's `dynamodb_table` locking (hash key LockID)."""
        dynamodb = self.client("dynamodb")
        if name in dynamodb.list_tables().get("TableNames", []):
            return
        dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )


class MotoEmulator(_EmulatorBase):
    """moto's ThreadedMotoServer in this process, on 127.0.0.1 and a free port."""

    def __init__(self, region: str = DEFAULT_REGION, host: str = "127.0.0.1", port: int = 0):
        self.region = region
        self.host = host
        self.port = port
        self.endpoint = ""
        self._server: Any = None

    def start(self) -> None:
        if self._server is not None:
            return
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = self.port or free_port(self.host)
        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()
        self.endpoint = f"http://{self.host}:{self.port}"
        self._seed()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def reset(self) -> None:
        """Forget everything (moto's /moto-api/reset), then re-seed the kata AMIs."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30):
            pass
        self._seed()

    def _seed(self) -> None:
        """Add KATA_AMIS to the region's EC2 backend (also warms moto's EC2 import).

        moto dates its built-in images (Ubuntu 14.04/16.04 among them) at backend creation,
        so the kata images are dated just after that, in KATA_AMIS order: a `most_recent`
        lookup for Ubuntu then finds 24.04, as it would on AWS.
        """
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.ec2.models import ec2_backends
        from moto.ec2.models.amis import Ami

        self.client("ec2").describe_regions()
        backend = ec2_backends[DEFAULT_ACCOUNT_ID][self.region]
        now = datetime.now(UTC)
        for index, ami in enumerate(KATA_AMIS, start=1):
            backend.amis[ami.ami_id] = Ami(
                backend,
                ami_id=ami.ami_id,
                name=ami.name,
                description=ami.description,
                owner_id=ami.owner_id,
                owner_alias=ami.owner_alias,
                public=True,
                architecture=ami.architecture,
                virtualization_type="hvm",
                root_device_type="ebs",
                creation_date=now + timedelta(seconds=index),
                region_name=self.region,
            )


class LocalStackEmulator(_EmulatorBase):
    """LocalStack at a given URL ($KATA_LOCALSTACK_URL), or a container started from
    `localstack/localstack` when that image is present (or `pull=True` and pullable)."""

    def __init__(
        self,
        url: str | None = None,
        region: str = DEFAULT_REGION,
        *,
        image: str = LOCALSTACK_IMAGE,
        pull: bool = False,
        startup_timeout: float = 90,
    ) -> None:
        self.url = url or os.environ.get(LOCALSTACK_URL_ENV) or None
        self.region = region
        self.image = image
        self.pull = pull
        self.startup_timeout = startup_timeout
        self.endpoint = self.url or ""
        self._container: Any = None

    def unavailable_reason(self) -> str | None:
        """None when LocalStack can be used, else exactly why not."""
        if self.url:
            return (
                None
                if _healthy(self.url)
                else (
                    f"{LOCALSTACK_URL_ENV}={self.url} does not answer {self.url}/_localstack/health"
                )
            )
        docker = engine.current()
        status = docker.status()
        if not status.available:
            return f"{LOCALSTACK_URL_ENV} is not set and {status.reason}"
        try:
            docker.image_attrs(self.image)
            return None
        except Exception:
            if not self.pull:
                return (
                    f"{LOCALSTACK_URL_ENV} is not set and the image {self.image} is not present "
                    "locally (pulling is off: no registry access)"
                )
        try:
            docker.pull(self.image)
            return None
        except Exception as exc:
            return f"{LOCALSTACK_URL_ENV} is not set and pulling {self.image} failed: {exc}"

    def start(self) -> None:
        reason = self.unavailable_reason()
        if reason:
            raise EmulatorUnavailable(reason)
        if self.url or self._container is not None:
            return
        port = free_port()
        self._container = engine.current().run(
            self.image,
            detach=True,
            remove=True,
            ports={"4566/tcp": ("127.0.0.1", port)},
            environment={"SERVICES": "ec2,s3,sts,iam,dynamodb", "EAGER_SERVICE_LOADING": "1"},
            labels={"kata.role": "aws-emulator"},
        )
        self.endpoint = f"http://127.0.0.1:{port}"
        healthy = waits.succeeds_within(
            lambda: _healthy(self.endpoint),
            timeout_s=self.startup_timeout,
            interval_s=1,
            abort=waits.container_exited(self._container),
        )
        if not healthy:
            self.stop()
            raise EmulatorUnavailable(
                f"LocalStack did not become healthy in {self.startup_timeout:.0f}s"
            )

    def stop(self) -> None:
        if self._container is not None:
            try:
                self._container.stop(timeout=5)
            finally:
                self._container = None

    def reset(self) -> None:
        """LocalStack's state reset endpoint (best effort: older versions lack it)."""
        request = urllib.request.Request(
            f"{self.endpoint}/_localstack/state/reset", method="POST", data=b""
        )
        try:
            with urllib.request.urlopen(request, timeout=60):
                pass
        except OSError:
            pass


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_localstack/health", timeout=3) as r:
            return bool(r.status == 200)
    except OSError:
        return False


EMULATORS = {"moto": MotoEmulator, "localstack": LocalStackEmulator}


def emulator_from_name(name: str) -> AwsEmulator:
    """`moto` or `localstack` (case-insensitive), with default settings."""
    try:
        factory = EMULATORS[name.strip().lower()]
    except KeyError:
        raise ValueError(
            f"unknown AWS emulator {name!r}; choose one of {sorted(EMULATORS)}"
        ) from None
    emulator: AwsEmulator = factory()
    return emulator
