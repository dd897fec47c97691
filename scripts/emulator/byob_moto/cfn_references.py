"""What a template value refers to, and the order resources must be created or updated in.

CloudFormation derives dependencies from Ref, Fn::GetAtt, the ${Name} and ${Name.Attribute}
placeholders of Fn::Sub, and DependsOn; moto 5.2.1 follows DependsOn only
(moto/cloudformation/parsing.py ResourceMap.__get_resources_in_dependency_order).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

_PLACEHOLDER = re.compile(r"\$\{([^!}][^}]*)\}")


@dataclass(frozen=True)
class Reference:
    """A Ref (attribute None) or a GetAtt of target, a logical id, parameter or pseudo parameter."""

    target: str
    attribute: str | None = None


def _placeholders(text: str, variables: set[str]) -> list[Reference]:
    found = []
    for name in _PLACEHOLDER.findall(text):
        if name in variables:
            continue
        target, _, attribute = name.partition(".")
        found.append(Reference(target, attribute or None))
    return found


def references(value: Any) -> list[Reference]:
    """Every reference inside value, in the order they appear."""
    found: list[Reference] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        for key, inner in node.items():
            if key == "Ref" and isinstance(inner, str):
                found.append(Reference(inner))
            elif key == "Fn::GetAtt":
                target, _, attribute = (f"{inner[0]}.{inner[1]}" if isinstance(inner, list) else str(inner)).partition(".")
                found.append(Reference(target, attribute or None))
            elif key == "Fn::Sub":
                text, variables = (inner[0], inner[1] if len(inner) > 1 else {}) if isinstance(inner, list) else (inner, {})
                if isinstance(text, str):
                    found.extend(_placeholders(text, set(variables) if isinstance(variables, dict) else set()))
                walk(variables)
            else:
                walk(inner)

    walk(value)
    return found


def depends_on(resource_json: dict[str, Any], resource_ids: Collection[str]) -> list[str]:
    """The logical ids among resource_ids this resource needs first, each once."""
    names = [r.target for r in references(resource_json.get("Properties"))]
    explicit = resource_json.get("DependsOn", [])
    names.extend([explicit] if isinstance(explicit, str) else explicit)
    seen: list[str] = []
    for name in names:
        if name in resource_ids and name not in seen:
            seen.append(name)
    return seen


def dependency_order(resources: dict[str, dict[str, Any]]) -> list[str]:
    """Logical ids with every dependency first, otherwise in template order (cycles end the walk)."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in ordered or logical_id in visiting:
            return
        visiting.add(logical_id)
        for dependency in depends_on(resources[logical_id], resources.keys()):
            visit(dependency)
        visiting.discard(logical_id)
        ordered.append(logical_id)

    for logical_id in resources:
        visit(logical_id)
    return ordered
