"""The secret check on its own: every rule finds its kind of key, prose and placeholders pass, lines are exact."""

from __future__ import annotations

import random
import string
import time

import pytest

from tracker.core.runbooks.secrets import RULES, entropy, find_secrets

_RNG = random.Random(10)


def r(length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    """A random-looking key body, the same on every run."""
    return "".join(_RNG.choice(alphabet) for _ in range(length))


HEX = "0123456789abcdef"
SAMPLES: dict[str, str] = {
    "private-key": "-----BEGIN EC PRIVATE KEY-----",
    "aws-access-token": "AKIA" + r(16, string.ascii_uppercase + "234567"),
    "tracker-aws-secret-access-key": f"aws_secret_access_key={r(40)}",
    "github-pat": "ghp_" + r(36),
    "github-fine-grained-pat": "github_pat_" + r(82),
    "github-oauth": "gho_" + r(36),
    "github-app-token": "ghs_" + r(36),
    "github-refresh-token": "ghr_" + r(36),
    "gitlab-pat": "glpat-" + r(20),
    "gitlab-ptt": "glptt-" + r(40, HEX),
    "gitlab-deploy-token": "gldt-" + r(20),
    "gitlab-runner-authentication-token": "glrt-" + r(20),
    "gitlab-rrt": "GR1348941" + r(20),
    "slack-bot-token": f"xoxb-{r(11, string.digits)}-{r(12, string.digits)}-{r(24)}",
    "slack-user-token": f"xoxp-{r(11, string.digits)}-{r(11, string.digits)}-{r(12, string.digits)}-{r(32)}",
    "slack-app-token": f"xapp-1-A{r(10, string.ascii_uppercase)}-{r(13, string.digits)}-{r(64, HEX)}",
    "slack-legacy-token": f"xoxs-{r(10, string.digits)}-{r(10, string.digits)}-{r(10, string.digits)}-{r(64, HEX)}",
    "slack-config-access-token": "xoxe.xoxp-1-" + r(164, string.ascii_uppercase + string.digits),
    "slack-webhook-url": f"https://hooks.slack.com/services/T{r(8)}/B{r(8)}/{r(24)}xx{r(6)}",
    "stripe-access-token": "sk_live_" + r(24),
    "gcp-api-key": "AIza" + r(35),
    "openai-api-key": f"sk-{r(20)}T3BlbkFJ{r(20)}",
    "anthropic-api-key": f"sk-ant-api03-{r(93)}AA",
    "npm-access-token": "npm_" + r(36),
    "pypi-upload-token": "pypi-AgEIcHlwaS5vcmc" + r(60),
    "sendgrid-api-token": "SG." + r(22) + "." + r(43),
    "twilio-api-key": "SK" + r(32, HEX),
    "digitalocean-pat": "dop_v1_" + r(64, HEX),
    "shopify-access-token": "shpat_" + r(32, HEX),
    "vault-service-token": "hvs." + r(95),
    "vault-batch-token": "hvb." + r(140),
    "hashicorp-tf-api-token": f"{r(14, string.ascii_lowercase)}.atlasv1.{r(64, string.ascii_lowercase)}",
    "grafana-api-key": "eyJrIjoi" + r(72),
    "grafana-cloud-api-token": "glc_" + r(40),
    "grafana-service-account-token": f"glsa_{r(32)}_{r(8, HEX)}",
    "new-relic-user-api-key": "NRAK-" + r(27, string.ascii_uppercase + string.digits),
    "sentry-user-token": "sntryu_" + r(64, HEX),
    "heroku-api-key-v2": "HRKU-AA" + r(58),
    "databricks-api-token": "dapi" + r(32, HEX),
    "doppler-api-token": "dp.pt." + r(43),
    "pulumi-api-token": "pul-" + r(40, HEX),
    "linear-api-key": "lin_api_" + r(40),
    "postman-api-token": f"PMAK-{r(24, HEX)}-{r(34, HEX)}",
    "huggingface-access-token": "hf_" + r(34, string.ascii_letters),
    "atlassian-api-token": "ATATT3" + r(186),
    "dynatrace-api-token": f"dt0c01.{r(24)}.{r(64)}",
    "planetscale-password": "pscale_pw_" + r(43),
    "rubygems-api-token": "rubygems_" + r(48, HEX),
    "flyio-access-token": "fo1_" + r(43),
    "age-secret-key": "AGE-SECRET-KEY-1" + r(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"),
    "azure-ad-client-secret": f"secret: {r(3)}8Q~{r(34)}",
    "openshift-user-token": "sha256~" + r(43),
    "jwt": f"eyJ{r(30)}.eyJ{r(40)}.{r(43)}",
    "tracker-connection-string": "amqp://guest:S3cr3tPw@rabbit:5672/",
    "tracker-bearer-token": "curl -H 'Authorization: Bearer " + r(40) + "'",
    "tracker-password": "passphrase = 'correct horse battery staple'",
    "tracker-secret": f"refresh_token={r(30)}",
}


def test_every_rule_has_a_sample_and_a_unique_id() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids)) and set(ids) == set(SAMPLES)
    assert all(word == word.lower() for rule in RULES for word in rule.keywords)


@pytest.mark.parametrize("rule_id", list(SAMPLES))
def test_each_rule_finds_its_kind_of_key_in_the_middle_of_a_line(rule_id: str) -> None:
    text = f"# Title\n\nUse `{SAMPLES[rule_id]}` here.\n"
    findings = find_secrets("runbooks/x.md", text)
    assert [(f.line, f.rule) for f in findings] == [(3, rule_id)], findings


def test_each_line_is_named_once_in_order_with_crlf() -> None:
    text = "intro\r\n" + "\r\n".join(SAMPLES[k] for k in ("aws-access-token", "github-pat")) + "\r\nx password=a1\r\n"
    text += "ghp_" + r(36) + " and AKIA" + r(16, string.ascii_uppercase) + "\n"
    findings = find_secrets("runbooks/x.md", text)
    assert [(f.line, f.kind) for f in findings] == [
        (2, "an AWS access key"), (3, "a GitHub token"), (4, "a password assignment"), (5, "an AWS access key")]
    assert str(findings[0]) == "runbooks/x.md line 2: looks like an AWS access key"


@pytest.mark.parametrize("value", ["sk_live_" + "x" * 24, "ghp_" + "a" * 36, "AKIA" + "A" * 16])
def test_a_key_shaped_placeholder_is_not_a_secret(value: str) -> None:
    assert entropy(value) < 3
    assert find_secrets("runbooks/x.md", f"use {value} here\n") == []


def test_a_large_runbook_is_checked_in_reasonable_time() -> None:
    text = "Restart the widget, then check the dashboard: token = $TOKEN, key in https://vault/x.\n" * 12_000
    started = time.perf_counter()
    assert find_secrets("runbooks/big.md", text + "password: hunter22\n")[0].line == 12_001
    assert time.perf_counter() - started < 5  # about 0.4 s for this 1 MB here
