"""The secret check run before a commit: which lines of a runbook look like a credential.

Keys with a well-known shape (``sk_live_``, ``xoxb-``, ``glpat-``, ``AKIA``, private key blocks, ...)
are gitleaks' default rules (``config/gitleaks.toml`` of gitleaks 8.30), re-expressed for Python's
``re``: the same prefixes, shapes, keyword prefilters and entropy floors, each under its gitleaks
rule id, so a rule can be compared with upstream and updated. Only prefix-anchored rules are taken:
gitleaks' service rules that match any 32 or 40 hex characters next to a service's name would flag
commit ids and checksums, which runbooks are full of.

What gitleaks covers with its broad ``generic-api-key`` rule (and a long list of stop words) is done
here by a few rules of our own (``tracker-*``) written for prose: a ``password``/``secret``/``token``
assignment, a connection string with a password, a bearer token. Placeholders (``<secret>``,
``$VAR``, ``${VAR}``, ``{{ var }}``, ``***``, ``xxxx``, ``null``) are never secrets, and a value
after a colon counts only when it ends the line, so "Password: ask the on-call lead" is prose.

This module is imported only when committing; the rules are compiled on first use.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import cache

_END = r"(?=[\x60'\"\s;,)\]}]|\\[nr]|$)"
"""Where a key with a known shape ends (gitleaks: ``(?:[\\x60'"\\s;]|\\\\[nr]|$)``), not consumed."""


def _word(prefix: str) -> str:
    """``\\bprefix``, written so the regex engine can look for the literal first (many times faster)."""
    return rf"{re.escape(prefix)}(?<!\w{re.escape(prefix)})"


@dataclass(frozen=True)
class Rule:
    id: str
    """gitleaks' rule id, or ``tracker-...`` for the rules of our own."""
    kind: str
    """What the finding says the line looks like."""
    pattern: str
    """The secret is the first group that matched, else the whole match."""
    keywords: tuple[str, ...]
    """Lower-case words one of which the text must hold for the rule to run (gitleaks' prefilter)."""
    entropy: float = 0.0
    """Shannon entropy (bits per character) the secret must reach: ``xxxx`` and ``aaaa`` are placeholders."""
    plain: bool = False
    """The secret is a value written by a person: placeholders and short letter-only words are allowed."""
    name: str = ""
    """For an assignment: what the name assigned to must end with (case aside), checked after the match."""


def _shaped(rule_id: str, kind: str, pattern: str, *keywords: str, entropy: float = 0.0) -> Rule:
    return Rule(rule_id, kind, pattern, keywords, entropy)


def _assignment(rule_id: str, kind: str, ends: tuple[str, ...], name: str, value: str, *keywords: str,
                entropy: float = 0.0) -> Rule:
    """``name = value`` in the shapes runbooks show: shell, env files, TOML, INI, YAML, JSON, code.

    ``ends`` are the words a name ends with (``DB_PASSWORD``, ``PGPASSWORD``, ``clientSecret``), as
    literals in three cases: Python's ``re`` finds those fast, case-insensitive alternatives slowly.
    ``name`` is then checked on the whole name. After ``=`` (``:=``, ``=>``) the value is taken as is;
    after ``:`` (YAML, JSON, prose) a value that is not quoted must end the line, so a colon followed
    by a sentence is not an assignment.
    """
    words = "|".join(dict.fromkeys(form for end in ends for form in (end, end.capitalize(), end.upper())))
    quoted = r"\"([^\"\n]+)\"|'([^'\n]+)'"
    pattern = (rf"(?:{words})[\"']?[^\S\n]*(?:(?::=|=>|=)[^\S\n]*(?:{quoted}|({value}))"
               rf"|:[^\S\n]*(?:{quoted}|({value})[^\S\n]*[,;]?[^\S\n]*$))")
    return Rule(rule_id, kind, pattern, keywords, entropy, plain=True, name=name)


RULES: tuple[Rule, ...] = (
    # gitleaks "private-key" (the opening line: the finding names it; the block may be cut short).
    _shaped("private-key", "a private key", r"-----(?i:BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?)-----",
            "-----begin"),
    # gitleaks lets AWS's documented example keys (...EXAMPLE) through; a runbook has no need of one either.
    _shaped("aws-access-token", "an AWS access key", rf"{_word('A')}(?:3T[A-Z0-9]|KIA|SIA|BIA|CCA)[A-Z2-7]{{16}}\b",
            "a3t", "akia", "asia", "abia", "acca", entropy=3),
    _assignment("tracker-aws-secret-access-key", "an AWS secret access key", ("key",),
                r"secret[_.-]?access[_.-]?key", r"[A-Za-z0-9/+=]{16,}", "secret"),
    _shaped("github-pat", "a GitHub token", r"ghp_[0-9a-zA-Z]{36}", "ghp_", entropy=3),
    _shaped("github-fine-grained-pat", "a GitHub token", r"github_pat_\w{82}", "github_pat_", entropy=3),
    _shaped("github-oauth", "a GitHub token", r"gho_[0-9a-zA-Z]{36}", "gho_", entropy=3),
    _shaped("github-app-token", "a GitHub token", r"gh[us]_[0-9a-zA-Z]{36}", "ghu_", "ghs_", entropy=3),
    _shaped("github-refresh-token", "a GitHub token", r"ghr_[0-9a-zA-Z]{36}", "ghr_", entropy=3),
    _shaped("gitlab-pat", "a GitLab token", r"glpat-[\w-]{20}", "glpat-", entropy=3),
    _shaped("gitlab-ptt", "a GitLab token", r"glptt-[0-9a-f]{40}", "glptt-", entropy=3),
    _shaped("gitlab-deploy-token", "a GitLab token", r"gldt-[0-9a-zA-Z_\-]{20}", "gldt-", entropy=3),
    _shaped("gitlab-runner-authentication-token", "a GitLab token", r"glrt-[0-9a-zA-Z_\-]{20}", "glrt-",
            entropy=3),
    _shaped("gitlab-rrt", "a GitLab token", r"GR1348941[\w-]{20}", "gr1348941", entropy=3),
    _shaped("slack-bot-token", "a Slack token", r"xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*", "xoxb",
            entropy=3),
    _shaped("slack-user-token", "a Slack token", r"xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}", "xoxp-",
            "xoxe-", entropy=2),
    _shaped("slack-app-token", "a Slack token", r"xapp-\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]+", "xapp", entropy=2),
    _shaped("slack-legacy-token", "a Slack token", r"xox[os]-\d+-\d+-\d+-[a-fA-F\d]+", "xoxo", "xoxs",
            entropy=2),
    _shaped("slack-config-access-token", "a Slack token", r"xoxe.xox[bp]-\d-[A-Za-z0-9]{163,166}", "xoxe.xox",
            entropy=2),
    _shaped("slack-webhook-url", "a Slack webhook URL",
            r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}", "hooks.slack.com"),
    _shaped("stripe-access-token", "a Stripe key", rf"(?:{_word('sk_')}|{_word('rk_')})(?:test|live|prod)_"
            rf"[a-zA-Z0-9]{{10,99}}{_END}", "sk_test", "sk_live", "sk_prod", "rk_test", "rk_live", "rk_prod",
            entropy=2),
    _shaped("gcp-api-key", "a Google API key", rf"{_word('AIza')}[\w-]{{35}}{_END}", "aiza", entropy=4),
    _shaped("openai-api-key", "an OpenAI API key",
            rf"{_word('sk-')}(?:(?:proj|svcacct|admin)-(?:[A-Za-z0-9_-]{{74}}|[A-Za-z0-9_-]{{58}})T3BlbkFJ"
            rf"(?:[A-Za-z0-9_-]{{74}}|[A-Za-z0-9_-]{{58}})\b|[a-zA-Z0-9]{{20}}T3BlbkFJ[a-zA-Z0-9]{{20}}{_END})",
            "t3blbkfj", entropy=3),
    _shaped("anthropic-api-key", "an Anthropic API key", rf"{_word('sk-ant-')}(?:api03|admin01)-[a-zA-Z0-9_\-]{{93}}AA",
            "sk-ant-"),
    _shaped("npm-access-token", "an npm token", rf"{_word('npm_')}[a-zA-Z0-9]{{36}}{_END}", "npm_", entropy=2),
    _shaped("pypi-upload-token", "a PyPI token", r"pypi-AgEIcHlwaS5vcmc[\w-]{50,1000}", "pypi-ageichlwas5vcmc",
            entropy=3),
    _shaped("sendgrid-api-token", "a SendGrid key", rf"{_word('SG.')}[a-zA-Z0-9=_\-.]{{66}}{_END}", "sg.",
            entropy=2),
    _shaped("twilio-api-key", "a Twilio key", rf"{_word('SK')}[0-9a-fA-F]{{32}}\b", "sk", entropy=3),
    _shaped("digitalocean-pat", "a DigitalOcean token", rf"{_word('do')}[opr]_v1_[a-f0-9]{{64}}{_END}", "dop_v1_",
            "doo_v1_", "dor_v1_", entropy=3),
    _shaped("shopify-access-token", "a Shopify token", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", "shpat_", "shpca_",
            "shppa_", "shpss_", entropy=2),
    _shaped("vault-service-token", "a Vault token", rf"{_word('hvs.')}[\w-]{{90,120}}{_END}", "hvs.", entropy=3.5),
    _shaped("vault-batch-token", "a Vault token", rf"{_word('hvb.')}[\w-]{{138,300}}{_END}", "hvb.", entropy=4),
    _shaped("hashicorp-tf-api-token", "a Terraform Cloud token",
            r"(?<=[A-Za-z0-9]{14})\.atlasv1\.[A-Za-z0-9\-_=]{60,70}", "atlasv1", entropy=3.5),
    _shaped("grafana-api-key", "a Grafana token", rf"{_word('eyJrIjoi')}[A-Za-z0-9]{{70,400}}={{0,3}}{_END}",
            "eyjrijoi", entropy=3),
    _shaped("grafana-cloud-api-token", "a Grafana token", rf"{_word('glc_')}[A-Za-z0-9+/]{{32,400}}={{0,3}}{_END}",
            "glc_", entropy=3),
    _shaped("grafana-service-account-token", "a Grafana token",
            rf"{_word('glsa_')}[A-Za-z0-9]{{32}}_[A-Fa-f0-9]{{8}}{_END}", "glsa_", entropy=3),
    _shaped("new-relic-user-api-key", "a New Relic key", rf"{_word('NRAK-')}[A-Za-z0-9]{{27}}{_END}", "nrak"),
    _shaped("sentry-user-token", "a Sentry token", rf"{_word('sntryu_')}[a-f0-9]{{64}}{_END}", "sntryu_",
            entropy=3.5),
    _shaped("heroku-api-key-v2", "a Heroku key", rf"{_word('HRKU-AA')}[0-9a-zA-Z_-]{{58}}{_END}", "hrku-aa",
            entropy=4),
    _shaped("databricks-api-token", "a Databricks token", rf"{_word('dapi')}[a-f0-9]{{32}}(?:-\d)?{_END}", "dapi",
            entropy=3),
    _shaped("doppler-api-token", "a Doppler token", r"dp\.pt\.[a-zA-Z0-9]{43}", "dp.pt.", entropy=2),
    _shaped("pulumi-api-token", "a Pulumi token", rf"{_word('pul-')}[a-f0-9]{{40}}{_END}", "pul-", entropy=2),
    _shaped("linear-api-key", "a Linear key", r"lin_api_[a-zA-Z0-9]{40}", "lin_api_", entropy=2),
    _shaped("postman-api-token", "a Postman key", rf"{_word('PMAK-')}[a-fA-F0-9]{{24}}-[a-fA-F0-9]{{34}}{_END}",
            "pmak-", entropy=3),
    _shaped("huggingface-access-token", "a Hugging Face token", rf"{_word('hf_')}[a-zA-Z]{{34}}{_END}", "hf_",
            entropy=2),
    _shaped("atlassian-api-token", "an Atlassian token", rf"{_word('ATATT3')}[A-Za-z0-9_\-=]{{186}}{_END}",
            "atatt3", entropy=3.5),
    _shaped("dynatrace-api-token", "a Dynatrace token", r"dt0c01\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{64}", "dt0c01.",
            entropy=4),
    _shaped("planetscale-password", "a PlanetScale password",
            rf"{_word('pscale_')}(?:pw|tkn)_[\w=.-]{{32,64}}{_END}", "pscale_pw_", "pscale_tkn_", entropy=3),
    _shaped("rubygems-api-token", "a RubyGems token", rf"{_word('rubygems_')}[a-f0-9]{{48}}{_END}", "rubygems_",
            entropy=2),
    _shaped("flyio-access-token", "a Fly.io token", rf"{_word('fo1_')}[\w-]{{43}}{_END}", "fo1_", entropy=4),
    _shaped("age-secret-key", "an age secret key", r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
            "age-secret-key-1"),
    _shaped("azure-ad-client-secret", "an Azure client secret",
            r"(?<![^\\'\"\x60\s>=:(,)])[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34}(?=$|[\\'\"\x60\s<),])", "q~",
            entropy=3),
    _shaped("openshift-user-token", "an OpenShift token", rf"{_word('sha256~')}[\w-]{{43}}(?![\w-])", "sha256~",
            entropy=3.5),
    # gitleaks "jwt" starts with "ey": a JWT's header and payload are base64 of '{"', so always "eyJ".
    _shaped("jwt", "a JSON web token",
            rf"{_word('eyJ')}[a-zA-Z0-9]{{16,}}\.ey[a-zA-Z0-9/\\_-]{{17,}}\.(?:[a-zA-Z0-9/\\_-]{{10,}}={{0,2}})?{_END}",
            "eyj", entropy=3),
    # Our own, for what gitleaks leaves to its generic rule.
    Rule("tracker-connection-string", "a connection string with a password",
         r"://(?<=[A-Za-z0-9]://)[^\s:@/?#]*:([^\s@/?#]+)@", ("://",), plain=True),
    Rule("tracker-bearer-token", "a bearer token", r"(?i)\bbearer[^\S\n]+([A-Za-z0-9\-_.=~+/]{20,})", ("bearer",),
         plain=True),
    _assignment("tracker-password", "a password assignment", ("password", "passwd", "pwd", "passphrase"), "",
                r"[^\s\"'`,;]+", "pass", "pwd"),
    _assignment("tracker-secret", "a token or secret assignment", ("key", "secret", "token"),
                r"(?:api|secret|private)[_.-]?key|secret|token", r"[A-Za-z0-9/+_\-.=~]{8,}", "key", "secret", "token",
                entropy=3),
)
"""In order: a line is reported once, as the first rule that matches it."""

_PLACEHOLDER = re.compile(
    r"""(?ix)
    [<$%@{\[(]                          # <secret>, $VAR, ${VAR}, $(vault read ...), %VAR%, @VAR@, {{ var }}, [hidden]
    | (.)\1*$                           # one character again and again: ***, xxxx, ....
    | (?:true|false|null|none|nil|undefined|empty|unset|redacted|hidden|secret|password|changeit)$
    | /(?:bin|etc|home|opt|run|tmp|usr|var)/   # a path on the machine, not a secret
    """
)


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) if text else 0.0


_NAME = re.compile(r"[\w.-]+\Z")
"""The name an assignment's match ends: searched back from the match in its line."""


@cache
def _compiled() -> tuple[tuple[Rule, re.Pattern[str], re.Pattern[str] | None], ...]:
    return tuple((rule, re.compile(rule.pattern, re.MULTILINE),
                  re.compile(rf"(?:{rule.name})\Z", re.IGNORECASE) if rule.name else None) for rule in RULES)


@dataclass(frozen=True)
class SecretFinding:
    path: str
    line: int
    kind: str
    rule: str = ""

    def __str__(self) -> str:
        return f"{self.path} line {self.line}: looks like {self.kind}"


def _is_secret(rule: Rule, value: str) -> bool:
    if rule.plain:
        if _PLACEHOLDER.match(value):
            return False
        if rule.entropy and re.fullmatch(r"[A-Za-z_.-]+", value):
            return False  # words (prod-db-credentials), not a key: gitleaks' generic rule allows them too
    return entropy(value) >= rule.entropy


def _named(name: re.Pattern[str], text: str, match: re.Match[str]) -> bool:
    """Whether the name an assignment's match ends (``api_key`` of ``api_key = ...``) is one the rule means."""
    word = re.match(r"\w+", match.group())
    end = match.start() + (word.end() if word else 0)
    found = _NAME.search(text, max(text.rfind("\n", 0, end) + 1, end - 200), end)
    return found is not None and name.search(found.group()) is not None


def find_secrets(path: str, text: str) -> list[SecretFinding]:
    """The lines of ``text`` that look like a credential, each named once (by the first rule that matches)."""
    lowered = text.lower()
    starts: list[int] | None = None
    found: dict[int, tuple[int, SecretFinding]] = {}
    for order, (rule, pattern, name) in enumerate(_compiled()):
        if rule.keywords and not any(word in lowered for word in rule.keywords):
            continue
        for match in pattern.finditer(text):
            group = next((g for g in range(1, (pattern.groups or 0) + 1) if match.group(g) is not None), 0)
            if not _is_secret(rule, match.group(group).strip()):
                continue
            if name is not None and not _named(name, text, match):
                continue
            if starts is None:
                starts = [0, *(newline.end() for newline in re.finditer("\n", text))]
            line = bisect_right(starts, match.start(group))
            if line not in found or found[line][0] > order:
                found[line] = (order, SecretFinding(path, line, rule.kind, rule.id))
    return [finding for _, (_, finding) in sorted(found.items())]
