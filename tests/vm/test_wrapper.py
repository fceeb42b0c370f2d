"""The VM's `docker` wrapper, run here on the host: how it rewrites command lines."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

WRAPPER = Path(__file__).resolve().parents[2] / "docker" / "vm" / "docker_wrapper.py"
VM = "127.77.3.9"


def load_wrapper() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kata_docker_wrapper", WRAPPER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # keep docker/vm (the image's build context) clean
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write
    return module


wrapper: Any = load_wrapper()
CTX = wrapper.VmContext(VM, "run1", "i-abc")
LABELS = ["--label", "kata.run=run1", "--label", "kata.vm=i-abc"]


def rewrite(line: str, exposed: list[str] | None = None) -> str:
    def exposed_ports(image: str, head: list[str]) -> list[str]:
        assert image == "img"
        return exposed or []

    return " ".join(wrapper.rewrite(line.split(), CTX, exposed_ports))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("8000:8000", f"{VM}:8000:8000"),
        ("8000", f"{VM}::8000"),  # as docker does: the engine picks the host port
        ("0.0.0.0:8000:8000", f"{VM}:8000:8000"),
        ("127.0.0.1:9000:8000", f"{VM}:9000:8000"),
        ("0.0.0.0::8000", f"{VM}::8000"),
        ("[::]:8000:8000", f"{VM}:8000:8000"),
        ("8000:8000/udp", f"{VM}:8000:8000/udp"),
        ("8000-8002:8000-8002", f"{VM}:8000-8002:8000-8002"),
    ],
)
def test_publication_is_bound_to_the_vm_address(spec: str, expected: str) -> None:
    assert wrapper.rewrite_publish(spec, VM) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("run -p 8000:8000 img", f"run -p {VM}:8000:8000 {' '.join(LABELS)} img"),
        ("run -p 8000 img", f"run -p {VM}::8000 {' '.join(LABELS)} img"),
        ("run --publish=8000:8000 img", f"run -p {VM}:8000:8000 {' '.join(LABELS)} img"),
        ("run --publish 0.0.0.0:80:8000 img", f"run -p {VM}:80:8000 {' '.join(LABELS)} img"),
        ("run -p8000:8000 img", f"run -p {VM}:8000:8000 {' '.join(LABELS)} img"),
        ("run -p=8000:8000 img", f"run -p {VM}:8000:8000 {' '.join(LABELS)} img"),
        ("run -dp 8000:8000 img", f"run -d -p {VM}:8000:8000 {' '.join(LABELS)} img"),
        ("run -itp8000:8000 img", f"run -it -p {VM}:8000:8000 {' '.join(LABELS)} img"),
        ("run -dPi img", f"run -di {' '.join(LABELS)} img"),
        ("create -p 1:1 -p 2:2 img", f"create -p {VM}:1:1 -p {VM}:2:2 {' '.join(LABELS)} img"),
        ("container run -p 1:1 img", f"container run -p {VM}:1:1 {' '.join(LABELS)} img"),
        ("container create img", f"container create {' '.join(LABELS)} img"),
    ],
)
def test_run_and_create_publish_on_the_vm_and_are_labelled(line: str, expected: str) -> None:
    assert rewrite(line) == expected


def test_other_options_and_the_containers_command_pass_through() -> None:
    line = (
        "--config /c -H unix:///d.sock run -d --rm -it --name web -e A=1 -eB=2 -e=C=3 "
        "-v /a:/b --restart=always --env-file .env -p 8000:8000 img "
        "python3 -m http.server -p 8000 --publish 9"
    )
    assert rewrite(line) == (
        "--config /c -H unix:///d.sock run -d --rm -it --name web -e A=1 -eB=2 -e=C=3 "
        f"-v /a:/b --restart=always --env-file .env -p {VM}:8000:8000 {' '.join(LABELS)} img "
        "python3 -m http.server -p 8000 --publish 9"
    )


def test_double_dash_ends_the_options() -> None:
    assert rewrite("run -d -- img -p 1:1") == f"run -d {' '.join(LABELS)} img -p 1:1"


def test_publish_all_becomes_one_publication_per_exposed_port() -> None:
    assert rewrite("run -dP --expose 9000 img", ["80/tcp", "53/udp"]) == (
        f"run -d --expose 9000 -p {VM}::80/tcp -p {VM}::53/udp -p {VM}::9000/tcp "
        f"{' '.join(LABELS)} img"
    )
    assert rewrite("run --publish-all=false img", ["80/tcp"]) == f"run {' '.join(LABELS)} img"


@pytest.mark.parametrize(
    "line",
    [
        "login 127.0.0.1:5000 -u kata --password-stdin",
        "pull 127.0.0.1:5000/app:1",
        "images",
        "rm -f web",
        "logs -f web",
        "exec web ls -p 1:1",
        "build -t x .",
        "container inspect web",
        "--version",
        "",
    ],
)
def test_everything_else_passes_through(line: str) -> None:
    assert rewrite(line) == line


def test_ps_shows_only_this_vms_containers() -> None:
    scope = "--filter label=kata.vm=i-abc"
    assert rewrite("ps -a") == f"ps {scope} -a"
    assert rewrite("container ls -q") == f"container ls {scope} -q"
    assert rewrite("-H unix:///d.sock ps") == f"-H unix:///d.sock ps {scope}"


def test_without_an_address_nothing_is_published() -> None:
    with pytest.raises(wrapper.WrapperError, match="VM_ADDRESS"):
        wrapper.rewrite(["run", "-p", "80:80", "img"], wrapper.VmContext(""))
    assert wrapper.rewrite(["run", "img"], wrapper.VmContext("")) == ["run", "img"]


def test_a_missing_flag_value_is_an_error() -> None:
    with pytest.raises(wrapper.WrapperError, match="needs an argument"):
        wrapper.rewrite(["run", "-p"], CTX)


def test_context_comes_from_the_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / "vm.env"
    env.write_text(f"VM_ADDRESS={VM}\nKATA_RUN_ID=run1\nINSTANCE_ID=i-abc\n")
    monkeypatch.setenv("VM_ADDRESS", "127.1.1.1")
    assert wrapper.load_context(str(env)) == CTX
    assert wrapper.load_context(str(tmp_path / "missing")).address == "127.1.1.1"


def test_main_execs_the_real_client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(wrapper, "load_context", lambda: CTX)
    monkeypatch.setattr(wrapper.os, "execv", lambda path, argv: calls.append([path, *argv]))
    wrapper.main(["run", "-p", "80:80", "img"])
    assert calls == [
        ["/usr/bin/docker", "/usr/bin/docker", "run", "-p", f"{VM}:80:80", *LABELS, "img"]
    ]
    assert wrapper.main(["run", "-p"]) == 125
