"""Where crmctl keeps its configuration and the logged-in session.

Folder: ``$CRMCTL_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/crmctl``, else ``~/.config/crmctl``.

* ``config.toml`` — service addresses, e.g.::

      [services]
      identity = "127.0.0.1:50051"

  An address is chosen in this order: the command-line override (``--identity``), the
  environment (``CRM_<SERVICE>_ADDRESS``), ``config.toml``, the built-in default.
* ``credentials.json`` — the tokens of the last login, readable by the owner only (0600).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

# Built-in defaults: the ports `make run` gives each service. identity's is here (every session
# starts there); each other service's `crmctl/commands/<service>/stubs.py` adds its own with
# `DEFAULT_ADDRESSES.setdefault(...)`.
DEFAULT_ADDRESSES: dict[str, str] = {"identity": "127.0.0.1:50051"}


class ConfigError(Exception):
    """The configuration on disk cannot be used; the message says which file and why."""


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("CRMCTL_CONFIG_DIR"):
        return Path(env["CRMCTL_CONFIG_DIR"])
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "crmctl"


def load_addresses(directory: Path) -> dict[str, str]:
    path = directory / "config.toml"
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    services = data.get("services", {})
    if not isinstance(services, dict) or not all(isinstance(v, str) for v in services.values()):
        raise ConfigError(f'{path}: [services] must map service names to "host:port" strings')
    return dict(services)


def resolve_address(
    service: str, *, override: str | None, directory: Path, env: Mapping[str, str] | None = None
) -> str:
    env = os.environ if env is None else env
    if override:
        return override
    from_env = env.get(f"CRM_{service.upper()}_ADDRESS")
    if from_env:
        return from_env
    configured = load_addresses(directory).get(service)
    if configured:
        return configured
    if service in DEFAULT_ADDRESSES:
        return DEFAULT_ADDRESSES[service]
    raise ConfigError(
        f"no address for service {service!r}: set CRM_{service.upper()}_ADDRESS "
        f'or add `{service} = "host:port"` under [services] in '
        f"{directory / 'config.toml'}"
    )


@dataclass
class Credentials:
    """The session of the last `crmctl login`."""

    identity_address: str
    email: str
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime | None

    def access_expires_within(self, seconds: float, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return (self.access_token_expires_at - now).total_seconds() <= seconds

    def to_json(self) -> str:
        data = asdict(self)
        for key in ("access_token_expires_at", "refresh_token_expires_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Credentials:
        data = json.loads(text)
        for key in ("access_token_expires_at", "refresh_token_expires_at"):
            data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
        return cls(**data)


class CredentialStore:
    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / "credentials.json"

    def load(self) -> Credentials | None:
        if not self.path.exists():
            return None
        try:
            return Credentials.from_json(self.path.read_text())
        except (ValueError, TypeError, KeyError) as exc:
            raise ConfigError(
                f"{self.path} is damaged ({exc}); run `crmctl logout` and log in again"
            ) from None

    def save(self, credentials: Credentials) -> None:
        """Write atomically, created 0600 from the start (tokens never readable by others)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(credentials.to_json())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def delete(self) -> bool:
        try:
            self.path.unlink()
            return True
        except FileNotFoundError:
            return False
