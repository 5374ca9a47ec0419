"""CloudFormation intrinsic functions, resolved against the local stack's physical resources.

Refs and GetAtts are what tie a function's Environment to the names the stack really
created, so they resolve here against what provisioning returned; an attribute the local
stack does not know fails loudly instead of handing a handler a wrong name.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from journeysync_local.translate import TemplateError

_SUB_VAR = re.compile(r"\$\{([^}!]+)\}")
NO_VALUE = object()


class Resolver:
    """Resolve intrinsics with `ref(logical_id)` and `get_att(logical_id, attribute)` callbacks."""

    def __init__(
        self,
        parameters: dict[str, Any],
        ref: Callable[[str], Any],
        get_att: Callable[[str, str], Any],
        conditions: dict[str, Any] | None = None,
        mappings: dict[str, Any] | None = None,
    ) -> None:
        self.parameters = parameters
        self._ref = ref
        self._get_att = get_att
        self._conditions_spec = conditions or {}
        self._conditions: dict[str, bool] = {}
        self.mappings = mappings or {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self._conditions_spec:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(self._conditions_spec[name]))
        return self._conditions[name]

    def ref(self, name: str) -> Any:
        if name in self.parameters:
            value = self.parameters[name]
            return NO_VALUE if value is None and name == "AWS::NoValue" else value
        return self._ref(name)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = _FUNCTIONS.get(key)
            if handler is not None:
                return handler(self, arg)
        return {k: r for k, r in ((k, self.resolve(v)) for k, v in value.items()) if r is not NO_VALUE}

    def sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in (arg[1] if len(arg) > 1 else {}).items()}
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".", 1)[0] not in self.parameters:
                logical, attribute = name.split(".", 1)
                return str(self._get_att(logical, attribute))
            return str(self.ref(name))

        return _SUB_VAR.sub(replace, str(text)).replace("${!", "${")


def _get_att(r: Resolver, arg: Any) -> Any:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    logical, attribute = arg[0], r.resolve(arg[1])
    return r._get_att(logical, attribute)


def _if(r: Resolver, arg: Any) -> Any:
    name, yes, no = arg
    return r.resolve(yes if r.condition(name) else no)


def _find_in_map(r: Resolver, arg: Any) -> Any:
    mapping, top, second = (r.resolve(a) for a in arg)
    return r.mappings[mapping][top][second]


def _select(r: Resolver, arg: Any) -> Any:
    index, items = r.resolve(arg[0]), r.resolve(arg[1])
    return items[int(index)]


_FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": lambda r, a: r.ref(a),
    "Fn::GetAtt": _get_att,
    "Fn::Sub": lambda r, a: r.sub(a),
    "Fn::Join": lambda r, a: str(r.resolve(a[0])).join(str(x) for x in r.resolve(a[1])),
    "Fn::Select": _select,
    "Fn::Split": lambda r, a: str(r.resolve(a[1])).split(str(r.resolve(a[0]))),
    "Fn::If": _if,
    "Fn::Equals": lambda r, a: r.resolve(a[0]) == r.resolve(a[1]),
    "Fn::Not": lambda r, a: not r.resolve(a[0]),
    "Fn::And": lambda r, a: all(r.resolve(x) for x in a),
    "Fn::Or": lambda r, a: any(r.resolve(x) for x in a),
    "Condition": lambda r, a: r.condition(a),
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": lambda r, a: base64.b64encode(str(r.resolve(a)).encode()).decode(),
    "Fn::ToJsonString": lambda r, a: json.dumps(r.resolve(a), separators=(",", ":")),
    "Fn::GetAZs": lambda r, a: [f"{r.parameters['AWS::Region']}{z}" for z in "abc"],
}


def references(value: Any) -> set[str]:
    """Logical ids `value` depends on (Ref, GetAtt, ${X} / ${X.Attr} in Sub), for ordering creation."""
    found: set[str] = set()
    if isinstance(value, list):
        for v in value:
            found |= references(v)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg.split(".", 1)[0] if isinstance(arg, str) else arg[0])
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                found |= {m.group(1).split(".", 1)[0].strip() for m in _SUB_VAR.finditer(str(text))}
                if isinstance(arg, list) and len(arg) > 1:
                    found |= references(arg[1])
            else:
                found |= references(arg)
    return found
