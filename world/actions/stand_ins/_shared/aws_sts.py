"""STS over its Query API with the standard library (SigV4-signed where AWS signs), for
the AWS action stand-ins. The endpoint is $AWS_ENDPOINT_URL_STS or $AWS_ENDPOINT_URL (the
kata's AWS emulator); there is no real AWS offline, so without one the caller says so.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import os
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass

NO_ENDPOINT = (
    "no AWS endpoint is reachable offline: set AWS_ENDPOINT_URL to an AWS emulator (the kata "
    "sets it for projects that run one)"
)


class StsError(Exception):
    """An STS call that failed (its error code and message, or why it could not be made)."""


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str = ""
    expiration: str = ""


def endpoint() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL_STS") or os.environ.get("AWS_ENDPOINT_URL") or None


def _sign(url: str, body: str, region: str, creds: Credentials) -> dict[str, str]:
    now = datetime.datetime.now(datetime.UTC)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    host = urllib.parse.urlsplit(url).netloc
    headers = {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "host": host,
        "x-amz-date": stamp,
    }
    if creds.session_token:
        headers["x-amz-security-token"] = creds.session_token
    names = ";".join(sorted(headers))
    canonical = "\n".join(
        [
            "POST",
            urllib.parse.urlsplit(url).path or "/",
            "",
            "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)),
            names,
            hashlib.sha256(body.encode()).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/sts/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + creds.secret_access_key).encode()
    for part in (day, region, "sts", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={creds.access_key_id}/{scope}, "
        f"SignedHeaders={names}, Signature={signature}"
    )
    return headers


def call(action: str, params: dict[str, str], region: str, creds: Credentials | None) -> ET.Element:
    """POST an STS action; the parsed <...Result> element."""
    url = endpoint()
    if url is None:
        raise StsError(NO_ENDPOINT)
    body = urllib.parse.urlencode({"Action": action, "Version": "2011-06-15", **params})
    headers = (
        _sign(url, body, region, creds)
        if creds
        else {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}
    )
    request = urllib.request.Request(url, body.encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            text = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        raise StsError(_error(exc.read().decode("utf-8", "replace")) or str(exc)) from None
    except OSError as exc:
        raise StsError(f"{url} did not answer ({exc})") from None
    root = ET.fromstring(text)
    result = next((e for e in root.iter() if e.tag.endswith(f"{action}Result")), None)
    if result is None:
        raise StsError(f"unexpected answer from {url}: {text[:200]}")
    return result


def _error(text: str) -> str:
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return text[:300]
    code = next((e.text for e in root.iter() if e.tag.endswith("Code")), "")
    message = next((e.text for e in root.iter() if e.tag.endswith("Message")), "")
    return f"{code}: {message}".strip(": ")


def find(element: ET.Element, name: str) -> str:
    return next((e.text or "" for e in element.iter() if e.tag.endswith(name)), "")


def credentials_of(result: ET.Element) -> Credentials:
    return Credentials(
        find(result, "AccessKeyId"),
        find(result, "SecretAccessKey"),
        find(result, "SessionToken"),
        find(result, "Expiration"),
    )
