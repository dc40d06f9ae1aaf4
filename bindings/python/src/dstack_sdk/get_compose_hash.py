"""Compose hash: SHA-256 of the deterministic JSON of an app-compose.

The canonical serialization (done by libdstack) is the one deployment tools
upload, i.e. what ``JSON.stringify`` emits after recursively sorting keys:
keys in UTF-16 code-unit order with integer-like keys first, ECMAScript number
formatting (``1.0`` -> ``1``), ``null`` kept, NaN/Infinity as ``null``,
compact separators, raw UTF-8.  The guest measures the SHA-256 of the raw
``app-compose.json`` bytes; :func:`get_compose_hash_raw` hashes a file's bytes
exactly as the guest does.
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Literal, Mapping, Optional, Tuple, Union

from . import _args, _native

KeyProviderKind = Literal["none", "kms", "local", "tpm"]


def _finite_or_none(value: Any) -> Any:
    """NaN and +-Infinity become None (as upstream's ``to_dict``/``from_dict``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class _Record:
    """Equality and repr by ``to_dict()``."""

    def to_dict(self) -> Dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.to_dict() == other.to_dict()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]


class _Fixed(_Record):
    """Upstream's ``DockerConfig``/``Requirements``: named fields when not None,
    then the extra keyword fields as given (None included)."""

    _FIELDS: Tuple[str, ...] = ()

    def __init__(self, **fields: Any) -> None:
        extra = {k: v for k, v in fields.items() if k not in self._FIELDS}
        for name in self._FIELDS:
            setattr(self, name, fields.get(name))
        self._extra = extra

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for name in self._FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update(self._extra)
        return out


class DockerConfig(_Fixed):
    _FIELDS = ("registry", "username", "token_key")

    def __init__(
        self,
        registry: Optional[str] = None,
        username: Optional[str] = None,
        token_key: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(registry=registry, username=username, token_key=token_key, **kwargs)


class Requirements(_Fixed):
    _FIELDS = ("os_version", "platforms", "tdx_measure_acpi_tables", "launch_token_hash", "gpu_policy")

    def __init__(
        self,
        os_version: Optional[str] = None,
        platforms: Optional[List[str]] = None,
        tdx_measure_acpi_tables: Optional[bool] = None,
        launch_token_hash: Optional[str] = None,
        gpu_policy: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            os_version=os_version,
            platforms=platforms,
            tdx_measure_acpi_tables=tdx_measure_acpi_tables,
            launch_token_hash=launch_token_hash,
            gpu_policy=gpu_policy,
            **kwargs,
        )


class AppCompose(_Record):
    """An ``app-compose.json`` document; unknown fields are kept as given.

    Object semantics are upstream's: every public attribute (set here or
    later) is a field, one that is None is absent, a NaN or infinite float
    becomes None (JSON ``null``), ``docker_config``/``requirements`` objects
    are expanded.  ``runner`` may be left out (upstream requires it).
    """

    def __init__(
        self,
        runner: Optional[str] = None,
        manifest_version: Optional[Union[int, str]] = None,
        name: Optional[str] = None,
        features: Optional[List[str]] = None,
        docker_compose_file: Optional[str] = None,
        docker_config: Optional[Union[DockerConfig, Dict[str, Any]]] = None,
        public_logs: Optional[bool] = None,
        public_sysinfo: Optional[bool] = None,
        public_tcbinfo: Optional[bool] = None,
        kms_enabled: Optional[bool] = None,
        gateway_enabled: Optional[bool] = None,
        tproxy_enabled: Optional[bool] = None,
        local_key_provider_enabled: Optional[bool] = None,
        key_provider: Optional[KeyProviderKind] = None,
        key_provider_id: Optional[str] = None,
        allowed_envs: Optional[List[str]] = None,
        no_instance_id: Optional[bool] = None,
        secure_time: Optional[bool] = None,
        requirements: Optional[Union[Requirements, Dict[str, Any]]] = None,
        bash_script: Optional[str] = None,
        pre_launch_script: Optional[str] = None,
        snapshotter: Optional[str] = None,
        **extra: Any,
    ) -> None:
        fields = dict(
            runner=runner,
            manifest_version=manifest_version,
            name=name,
            features=features,
            docker_compose_file=docker_compose_file,
            docker_config=docker_config,
            public_logs=public_logs,
            public_sysinfo=public_sysinfo,
            public_tcbinfo=public_tcbinfo,
            kms_enabled=kms_enabled,
            gateway_enabled=gateway_enabled,
            tproxy_enabled=tproxy_enabled,
            local_key_provider_enabled=local_key_provider_enabled,
            key_provider=key_provider,
            key_provider_id=key_provider_id,
            allowed_envs=allowed_envs,
            no_instance_id=no_instance_id,
            secure_time=secure_time,
            requirements=requirements,
            bash_script=bash_script,
            pre_launch_script=pre_launch_script,
            snapshotter=snapshotter,
            **extra,
        )
        for key, value in fields.items():
            setattr(self, key, value)

    def to_dict(self) -> Dict[str, Any]:
        """The fields that are not None, as upstream (attributes in ``dir`` order)."""
        result: Dict[str, Any] = {}
        for name in dir(self):
            if name.startswith("_") or callable(getattr(self, name)):
                continue
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, (DockerConfig, Requirements)):
                result[name] = value.to_dict()
            else:
                result[name] = _finite_or_none(value)
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "AppCompose":
        """As upstream: ``docker_config``/``requirements`` dicts become objects,
        NaN/Infinity values None, ``runner`` a str.  ``data`` is not changed."""
        fields = dict(data)
        if fields.get("docker_config") is not None:
            dc = fields.pop("docker_config")
            fields["docker_config"] = dc if isinstance(dc, DockerConfig) else DockerConfig(**dc)
        if fields.get("requirements") is not None:
            req = fields.pop("requirements")
            fields["requirements"] = req if isinstance(req, Requirements) else Requirements(**req)
        fields = {k: _finite_or_none(v) for k, v in fields.items()}
        if "runner" in fields:
            fields["runner"] = str(fields["runner"])
        return cls(**fields)


def sort_object(obj: Any) -> Any:
    """Upstream's recursive key sort: dicts rebuilt with keys in Python's order,
    lists item by item, anything else as is.  (The compose hash itself orders
    keys as JavaScript does; see :func:`to_deterministic_json`.)"""
    if obj is None:
        return obj
    if isinstance(obj, list):
        return [sort_object(item) for item in obj]
    if isinstance(obj, dict):
        return {key: sort_object(value) for key, value in sorted(obj.items())}
    return obj


def preprocess_app_compose(app_compose: AppCompose) -> AppCompose:
    """As upstream: a copy without the fields the runner ignores (``docker_compose_file``
    for ``bash``, ``bash_script`` for ``docker-compose``/``nerdctl-compose``) and
    without an empty ``pre_launch_script``."""
    data = app_compose.to_dict()
    if data.get("runner") == "bash" and "docker_compose_file" in data:
        del data["docker_compose_file"]
    elif data.get("runner") in ("docker-compose", "nerdctl-compose") and "bash_script" in data:
        del data["bash_script"]
    if "pre_launch_script" in data and not data["pre_launch_script"]:
        del data["pre_launch_script"]
    return AppCompose.from_dict(data)


def _plain(value: Any) -> Any:
    """JSON-ready copy: objects with ``to_dict`` expanded, NaN/Infinity -> None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"app-compose keys must be str, got {type(key).__name__}")
            out[key] = _plain(item)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return _plain(value.to_dict())
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"app-compose value of type {type(value).__name__} is not JSON")


def _json_text(app_compose: Any) -> str:
    if isinstance(app_compose, (str, bytes)):
        raise TypeError("pass the app-compose as a dict or AppCompose (use get_compose_hash_raw for file bytes)")
    obj = _plain(app_compose)
    if not isinstance(obj, dict):
        raise TypeError("app-compose must be a JSON object")
    # ASCII escapes keep lone surrogates representable; libdstack re-serializes canonically.
    return json.dumps(obj, ensure_ascii=True, allow_nan=False)


def to_deterministic_json(app_compose: Union[AppCompose, Mapping[str, Any]], normalize: bool = False) -> str:
    """The exact string :func:`get_compose_hash` hashes."""
    return _native.compose_canonical_json(_json_text(app_compose), normalize)


def get_compose_hash(app_compose: Union[AppCompose, Mapping[str, Any]], normalize: bool = False) -> str:
    """Lowercase hex SHA-256 of the deterministic JSON of ``app_compose``.

    ``normalize=True`` first drops fields the runner ignores (``docker_compose_file``
    for ``bash``, ``bash_script`` for compose runners, an empty ``pre_launch_script``).
    """
    return _native.compose_hash(_json_text(app_compose), normalize).hex()


def get_compose_hash_raw(app_compose_bytes: Union[bytes, str]) -> str:
    """SHA-256 of an ``app-compose.json`` file's bytes: the guest's ``compose_hash``."""
    return _native.compose_hash_raw(_args.text_or_bytes(app_compose_bytes, "app_compose_bytes")).hex()
