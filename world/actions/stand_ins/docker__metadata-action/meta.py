"""docker/metadata-action v5's tag, label and annotation rules, ported to the stdlib.

Follows src/tag.ts, src/flavor.ts, src/image.ts and src/meta.ts of the real action:
priorities, `enable`, prefix/suffix, flavor latest=auto, tag sanitizing, sorted labels.
type=pep440 is not ported (it fails with a clear message).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from templates import Value, date_helper, render

PRIORITIES = {
    "schedule": "1000",
    "semver": "900",
    "pep440": "900",
    "match": "800",
    "edge": "700",
    "ref": "600",
    "raw": "200",
    "sha": "100",
}
SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
ICU_ORDER = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz"


class MetaError(ValueError):
    pass


@dataclass
class Context:
    event_name: str
    sha: str
    ref: str
    payload: dict[str, Any]
    commit_date: datetime


@dataclass
class Repo:
    name: str
    html_url: str
    default_branch: str
    description: str = ""
    license: str = ""


@dataclass
class Tag:
    type: str
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Flavor:
    latest: str = "auto"
    prefix: str = ""
    prefix_latest: bool = False
    suffix: str = ""
    suffix_latest: bool = False


@dataclass
class Version:
    main: str | None = None
    partial: list[str] = field(default_factory=list)
    latest: bool | None = None


def _fields(line: str) -> list[str]:
    return [f.strip() for f in next(csv.reader([line], skipinitialspace=True), []) if f.strip()]


def parse_tag(line: str) -> Tag:
    tag = Tag("")
    for item in _fields(line):
        key, sep, value = item.partition("=")
        if not sep:
            tag.attrs["value"] = key.strip()
        elif key.strip().lower() == "type":
            if value.strip() not in PRIORITIES:
                raise MetaError(f"Unknown tag type attribute: {value.strip()}")
            tag.type = value.strip()
        else:
            tag.attrs[key.strip().lower()] = value.strip()
    tag.type = tag.type or "raw"
    attrs, kind = tag.attrs, tag.type
    if kind == "schedule":
        attrs.setdefault("pattern", "nightly")
    if kind == "pep440":
        raise MetaError(
            "type=pep440 is not supported by the offline stand-in (use type=semver or type=match)"
        )
    if kind in ("semver", "match"):
        if "pattern" not in attrs:
            raise MetaError(f"Missing pattern attribute for {line}")
        attrs.setdefault("value", "")
        if kind == "match":
            attrs.setdefault("group", "0")
            if not attrs["group"].isdigit():
                raise MetaError(f"Invalid match group for {line}")
    elif kind == "edge":
        attrs.setdefault("branch", "")
    elif kind == "ref":
        if "event" not in attrs:
            raise MetaError(f"Missing event attribute for {line}")
        if attrs["event"] not in ("branch", "tag", "pr"):
            raise MetaError(f"Invalid event for {line}")
        if attrs["event"] == "pr":
            attrs.setdefault("prefix", "pr-")
    elif kind == "raw":
        if "value" not in attrs:
            raise MetaError(f"Missing value attribute for {line}")
    elif kind == "sha":
        attrs.setdefault("prefix", "sha-")
        attrs.setdefault("format", "short")
        if attrs["format"] not in ("short", "long"):
            raise MetaError(f"Invalid format for {line}")
    attrs.setdefault("enable", "true")
    attrs.setdefault("priority", PRIORITIES[kind])
    return tag


def transform_tags(lines: list[str]) -> list[Tag]:
    lines = lines or [
        "type=schedule",
        "type=ref,event=branch",
        "type=ref,event=tag",
        "type=ref,event=pr",
    ]
    tags = [parse_tag(line) for line in lines]
    return sorted(tags, key=lambda t: -float(t.attrs["priority"]))  # stable, like Array.sort


def parse_flavor(lines: list[str]) -> Flavor:
    flavor = Flavor()
    for line in lines:
        on_latest_for = ""
        for item in _fields(line):
            parts = [p.strip() for p in item.split("=")]
            if len(parts) == 1:
                raise MetaError(f"Invalid flavor entry: {line}")
            key, value = parts[0].lower(), parts[1]
            if key == "latest":
                if value not in ("auto", "true", "false"):
                    raise MetaError(f"Invalid latest flavor entry: {line}")
                flavor.latest = value
            elif key in ("prefix", "suffix"):
                setattr(flavor, key, value)
                on_latest_for = key
            elif key == "onlatest":
                if value not in ("true", "false"):
                    raise MetaError(f"Invalid value for onlatest attribute: {value}")
                if on_latest_for:
                    setattr(flavor, f"{on_latest_for}_latest", value == "true")
            else:
                raise MetaError(f"Unknown flavor entry: {line}")
    return flavor


def parse_images(lines: list[str]) -> list[str]:
    """Enabled image names; a single line may be a comma list of names (old format)."""
    if len(lines) == 1 and all("=" not in f for f in _fields(lines[0])):
        return [f.lower() for f in _fields(lines[0])]
    images: list[str] = []
    for line in lines:
        name, enable = "", True
        for item in _fields(line):
            parts = [p.strip() for p in item.split("=")]
            if len(parts) == 1:
                name = parts[0]
            elif parts[0].lower() == "name":
                name = parts[1]
            elif parts[0].lower() == "enable":
                if parts[1] not in ("true", "false"):
                    raise MetaError(f"Invalid enable attribute value: {line}")
                enable = parts[1] == "true"
            else:
                raise MetaError(f"Unknown image attribute: {line}")
        if not name:
            raise MetaError(f"Image name attribute empty: {line}")
        if enable:
            images.append(name.lower())
    return images


def sanitize_tag(tag: str) -> str:
    return re.sub(r"[^a-zA-Z0-9._-]+", "-", tag)


def icu_key(text: str) -> tuple[list[int], str]:
    """Approximates JavaScript's localeCompare order (punctuation, digits, letters; a < A)."""
    return (
        [ICU_ORDER.find(c) if c in ICU_ORDER else 200 + ord(c) for c in text.lower()],
        text.swapcase(),
    )


class Meta:
    def __init__(
        self,
        inputs: dict[str, list[str]],
        context: Context,
        repo: Repo,
        now: datetime,
        short_sha_length: int = 7,
    ) -> None:
        self.inputs, self.context, self.repo, self.now = inputs, context, repo, now
        self.short_sha_length = short_sha_length
        self.images = parse_images(inputs["images"])
        self.tags = transform_tags(inputs["tags"])
        self.flavor = parse_flavor(inputs["flavor"])
        self.version = self._get_version()

    # -- expressions ----------------------------------------------------------------
    def short_sha(self, sha: str) -> str:
        return sha[: self.short_sha_length] if self.short_sha_length < len(sha) else sha

    def global_exp(self, text: str) -> str:
        ctx, ref = self.context, self.context.ref
        payload = ctx.payload or {}
        branch = ref[len("refs/heads/") :] if ref.startswith("refs/heads/") else ""
        tag = ref[len("refs/tags/") :] if ref.startswith("refs/tags/") else ""

        def base_ref(_a: list[str], _h: dict[str, str]) -> str:
            if tag and payload.get("base_ref") is not None:
                return str(payload["base_ref"]).removeprefix("refs/heads/")
            if ref.startswith("refs/pull/"):
                return str(((payload.get("pull_request") or {}).get("base") or {}).get("ref", ""))
            return ""

        def is_default_branch(_a: list[str], _h: dict[str, str]) -> str:
            name = re.sub(r"^refs/heads/", "", ref)
            default = (payload.get("repository") or {}).get("default_branch")
            if not name:
                return "false"
            if (default or self.repo.default_branch) == name:
                return "true"
            pattern = r"create|discussion|issues|schedule"
            return "true" if re.search(pattern, ctx.event_name) else "false"

        values: dict[str, Value] = {
            "branch": branch,
            "tag": tag,
            "sha": self.short_sha(ctx.sha),
            "base_ref": base_ref,
            "is_default_branch": is_default_branch,
            "date": date_helper(self.now),
            "commit_date": date_helper(ctx.commit_date),
        }
        return render(text, values)

    def _set_value(self, value: str, tag: Tag) -> str:
        if "prefix" in tag.attrs:
            value = self.global_exp(tag.attrs["prefix"]) + value
        elif self.flavor.prefix:
            value = self.global_exp(self.flavor.prefix) + value
        if "suffix" in tag.attrs:
            value += self.global_exp(tag.attrs["suffix"])
        elif self.flavor.suffix:
            value += self.global_exp(self.flavor.suffix)
        return value

    def _latest(self, auto: bool) -> bool:
        return auto if self.flavor.latest == "auto" else self.flavor.latest == "true"

    @staticmethod
    def _set_version(version: Version, value: str, latest: bool) -> None:
        if not value:
            return
        value = sanitize_tag(value)
        if version.main is None:
            version.main = value
        elif value != version.main:
            version.partial.append(value)
        if version.latest is None:
            version.latest = latest

    # -- tag types --------------------------------------------------------------------
    def _tag_value(self, tag: Tag) -> tuple[str, bool] | None:
        """(raw value, latest when flavor is auto) for an enabled tag, or None to skip."""
        ref, kind, attrs = self.context.ref, tag.type, tag.attrs
        on_tag = ref.startswith("refs/tags/")
        if kind == "schedule":
            if "schedule" not in self.context.event_name:
                return None
            values: dict[str, Value] = {
                "date": date_helper(self.now),
                "commit_date": date_helper(self.context.commit_date),
            }
            return render(attrs["pattern"], values), False
        if kind in ("semver", "match") and not on_tag and not attrs["value"]:
            return None
        if kind == "semver":
            return self._semver(tag)
        if kind == "pep440":
            raise MetaError(
                "type=pep440 is not supported by the offline stand-in "
                "(use type=semver or type=match)"
            )
        if kind == "match":
            return self._match(tag)
        if kind == "ref":
            prefix = {"branch": "refs/heads/", "tag": "refs/tags/", "pr": "refs/pull/"}
            if not ref.startswith(prefix[attrs["event"]]):
                return None
            value = ref[len(prefix[attrs["event"]]) :]
            if attrs["event"] == "pr":
                value = re.sub(r"/merge$", "", value)
            return value, attrs["event"] == "tag"
        if kind == "edge":
            if not ref.startswith("refs/heads/"):
                return None
            branch = attrs["branch"] or self.repo.default_branch
            return ("edge", False) if ref[len("refs/heads/") :] == branch else None
        if kind == "raw":
            return self.global_exp(attrs["value"]), False
        if not self.context.sha:  # sha
            return None
        sha = self.context.sha
        return (self.short_sha(sha) if attrs["format"] == "short" else sha), False

    def _semver(self, tag: Tag) -> tuple[str, bool] | None:
        raw = (
            self.global_exp(tag.attrs["value"])
            if tag.attrs["value"]
            else self.context.ref.removeprefix("refs/tags/").replace("/", "-")
        )
        parsed = SEMVER.match(raw.strip())
        if parsed is None:
            print(f"::warning::{raw} is not a valid semver. More info: https://semver.org/")
            return None
        major, minor, patch, pre, build = parsed.groups()
        core_version = f"{major}.{minor}.{patch}"
        fields: dict[str, Value] = {
            "raw": raw,
            "version": core_version + (f"-{pre}" if pre else ""),
            "major": major,
            "minor": minor,
            "patch": patch,
            "prerelease": ",".join((pre or "").split(".")) if pre else "",
            "build": ",".join((build or "").split(".")) if build else "",
        }
        pattern = tag.attrs["pattern"]
        if pre and not re.fullmatch(r"\{\{\{?\s*raw\s*\}?\}\}", pattern):
            pattern = "{{version}}"
        return render(pattern, fields), not pre

    def _match(self, tag: Tag) -> tuple[str, bool] | None:
        raw = (
            self.global_exp(tag.attrs["value"])
            if tag.attrs["value"]
            else self.context.ref.removeprefix("refs/tags/")
        )
        pattern = tag.attrs["pattern"]
        as_regex = re.fullmatch(r"/(.+)/(.*)", pattern)
        flags = re.IGNORECASE if as_regex and "i" in as_regex.group(2) else 0
        found = re.search(as_regex.group(1) if as_regex else pattern, raw, flags)
        if found is None:
            print(f"::warning::{pattern} does not match {raw}.")
            return None
        group = int(tag.attrs["group"])
        if group > (found.re.groups or 0) or found.group(group) is None:
            print(f"::warning::Group {group} does not exist for {pattern} pattern.")
            return None
        return found.group(group), True

    def _get_version(self) -> Version:
        version = Version()
        for tag in self.tags:
            enabled = self.global_exp(tag.attrs["enable"])
            if enabled not in ("true", "false"):
                raise MetaError(f"Invalid value for enable attribute: {enabled}")
            if enabled != "true":
                continue
            result = self._tag_value(tag)
            if result is None:
                continue
            value, auto_latest = result
            self._set_version(version, self._set_value(value, tag), self._latest(auto_latest))
        version.partial = list(dict.fromkeys(version.partial))
        if version.latest is None:
            version.latest = False
        return version

    # -- outputs ------------------------------------------------------------------------
    def get_tags(self) -> list[str]:
        if not self.version.main:
            return []
        flavor = self.flavor
        latest = sanitize_tag(
            f"{flavor.prefix if flavor.prefix_latest else ''}latest"
            f"{flavor.suffix if flavor.suffix_latest else ''}"
        )
        values = [self.version.main, *self.version.partial]
        if self.version.latest:
            values.append(latest)
        images = self.images or [""]
        return [f"{image}:{v}" if image else v for image in images for v in values]

    def _oci(self, extra: list[str]) -> list[str]:
        pairs = [
            f"org.opencontainers.image.title={self.repo.name}",
            f"org.opencontainers.image.description={self.repo.description}",
            f"org.opencontainers.image.url={self.repo.html_url}",
            f"org.opencontainers.image.source={self.repo.html_url}",
            f"org.opencontainers.image.version={self.version.main or ''}",
            f"org.opencontainers.image.created={self.now.strftime('%Y-%m-%dT%H:%M:%S.')}"
            f"{self.now.microsecond // 1000:03d}Z",
            f"org.opencontainers.image.revision={self.context.sha}",
            f"org.opencontainers.image.licenses={self.repo.license}",
            *(self.global_exp(label) for label in extra),
        ]
        merged: dict[str, str] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if sep:
                merged[key] = value
        return [f"{k}={merged[k]}" for k in sorted(merged, key=icu_key)]

    def get_labels(self) -> list[str]:
        return self._oci(self.inputs["labels"])

    def get_annotations(self) -> list[str]:
        return self._oci(self.inputs["annotations"])

    def get_json(self, levels: list[str]) -> dict[str, Any]:
        return {
            "tags": self.get_tags(),
            "labels": dict(label.split("=", 1) for label in self.get_labels()),
            "annotations": [f"{lvl}:{a}" for lvl in levels for a in self.get_annotations()],
        }
