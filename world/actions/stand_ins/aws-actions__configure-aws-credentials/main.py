"""Offline aws-actions/configure-aws-credentials (v1-v4 interface), against the AWS
emulator at $AWS_ENDPOINT_URL: static keys are exported and checked with
GetCallerIdentity, `role-to-assume` is assumed with AssumeRoleWithWebIdentity (OIDC) or
AssumeRole (keys, role chaining), and the session's keys go to the environment.

The OIDC token is $KATA_OIDC_TOKEN when the harness issues one, GitHub's token endpoint
when ACTIONS_ID_TOKEN_REQUEST_URL is set, else an unsigned token made here with GitHub's
claims (the emulator does not verify signatures; AWS would).
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aws_sts import Credentials, StsError, call, credentials_of, find
from kata_io import (
    ActionError,
    export_env,
    get_bool,
    get_input,
    info,
    mask,
    run,
    set_output,
    workspace,
)

ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/.+")


def _region() -> str:
    region = get_input("aws-region")
    if not region:
        raise ActionError("Input required and not supplied: aws-region")
    if not re.fullmatch(r"[a-z0-9-]+", region):
        raise ActionError(f"Region is not valid: {region}")
    return region


def _jwt_part(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _oidc_token(audience: str) -> str:
    issued = os.environ.get("KATA_OIDC_TOKEN")
    if issued:
        return issued
    url, bearer = (
        os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"),
        os.environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    )
    if url and bearer:
        request = urllib.request.Request(
            f"{url}&audience={urllib.parse.quote(audience)}",
            headers={"Authorization": f"Bearer {bearer}"},
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            return str(json.load(response)["value"])
    repo = os.environ.get("GITHUB_REPOSITORY", "kata-learner/repo")
    ref = os.environ.get("GITHUB_REF", "refs/heads/main")
    now = int(time.time())
    claims = {
        "iss": "https://token.actions.githubusercontent.com",
        "aud": audience,
        "sub": f"repo:{repo}:ref:{ref}",
        "repository": repo,
        "ref": ref,
        "sha": os.environ.get("GITHUB_SHA", ""),
        "workflow": os.environ.get("GITHUB_WORKFLOW", ""),
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    }
    info("No OIDC token endpoint offline: using an unsigned token with GitHub's claims")
    return f"{_jwt_part({'alg': 'none', 'typ': 'JWT'})}.{_jwt_part(claims)}."


def _static() -> Credentials | None:
    key, secret = get_input("aws-access-key-id"), get_input("aws-secret-access-key")
    if key and not secret:
        raise ActionError(
            "'aws-secret-access-key' must be provided if 'aws-access-key-id' is provided"
        )
    if not key:
        return None
    return Credentials(key, secret, get_input("aws-session-token"))


def _from_env() -> Credentials | None:
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        return None
    return Credentials(key, secret, os.environ.get("AWS_SESSION_TOKEN", ""))


def _export(creds: Credentials) -> None:
    for value in (creds.access_key_id, creds.secret_access_key, creds.session_token):
        mask(value)
    export_env("AWS_ACCESS_KEY_ID", creds.access_key_id)
    export_env("AWS_SECRET_ACCESS_KEY", creds.secret_access_key)
    if creds.session_token:
        export_env("AWS_SESSION_TOKEN", creds.session_token)
    elif os.environ.get("AWS_SESSION_TOKEN"):
        export_env("AWS_SESSION_TOKEN", "")


def _assume(role: str, region: str, current: Credentials | None) -> Credentials:
    session = get_input("role-session-name", "GitHubActions")
    params = {"RoleArn": role, "RoleSessionName": session}
    duration = get_input("role-duration-seconds")
    for name, key in (("role-external-id", "ExternalId"), ("inline-session-policy", "Policy")):
        if get_input(name):
            params[key] = get_input(name)
    for index, arn in enumerate(get_input("managed-session-policies").split(), 1):
        params[f"PolicyArns.member.{index}.arn"] = arn
    token_file = get_input("web-identity-token-file")
    if current is None or token_file:
        if token_file:
            path = Path(token_file)
            path = path if path.is_absolute() else workspace() / path
            if not path.is_file():
                raise ActionError(f"Web identity token file does not exist: {path}")
            token = path.read_text(encoding="utf-8").strip()
        else:
            token = _oidc_token(get_input("audience", "sts.amazonaws.com"))
        params |= {"WebIdentityToken": token, "DurationSeconds": duration or "3600"}
        info(f"Assuming role with OIDC: {role}")
        result = call("AssumeRoleWithWebIdentity", params, region, None)
    else:
        params["DurationSeconds"] = duration or "3600"
        info(f"Assuming role with user credentials: {role}")
        result = call("AssumeRole", params, region, current)
    return credentials_of(result)


def _account(region: str, creds: Credentials) -> str:
    return find(call("GetCallerIdentity", {}, region, creds), "Account")


def main() -> None:
    region = _region()
    role = get_input("role-to-assume")
    static = _static()
    if get_bool("unset-current-credentials"):
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            if os.environ.get(name):
                export_env(name, "")
                os.environ.pop(name, None)
    export_env("AWS_DEFAULT_REGION", region)
    export_env("AWS_REGION", region)
    try:
        current = static or (_from_env() if get_bool("role-chaining") or not role else None)
        if role:
            if not ARN.match(role):
                if current is None:
                    raise ActionError(
                        f"role-to-assume '{role}' is not a role ARN; with OIDC give the "
                        "full ARN (arn:aws:iam::ACCOUNT:role/NAME)"
                    )
                role = f"arn:aws:iam::{_account(region, current)}:role/{role}"
            creds = _assume(role, region, current)
        elif current is not None:
            creds = current
        else:
            raise ActionError(
                "Credentials could not be loaded, please check your action inputs: Could not "
                "load credentials from any providers"
            )
        _export(creds)
        account = _account(region, creds)
    except StsError as exc:
        raise ActionError(str(exc)) from None
    if get_bool("mask-aws-account-id"):
        mask(account)
    set_output("aws-account-id", account)
    if get_bool("output-credentials"):
        set_output("aws-access-key-id", creds.access_key_id)
        set_output("aws-secret-access-key", creds.secret_access_key)
        if creds.session_token:
            set_output("aws-session-token", creds.session_token)
        if creds.expiration:
            set_output("aws-expiration", creds.expiration)
    info(f"Credentials for account {account} in {region} are in the environment")


if __name__ == "__main__":
    run("aws-actions/configure-aws-credentials", main)
