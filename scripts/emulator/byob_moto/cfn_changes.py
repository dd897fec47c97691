"""The changes of a stack update, as a change set describes them (DescribeChangeSet Changes).

moto 5.2.1 (moto/cloudformation/models.py ChangeSet.diff, parsing.py
ResourceMap.build_change_set_actions) lists Add / Modify / Remove with the logical id and type
only: no PhysicalResourceId, Replacement, Scope or Details, and a changed parameter modifies
nothing. Here, as CloudFormation does (AWS user guide, "Example change sets"):

- Add and Remove have empty Scope and Details; Modify and Remove carry the PhysicalResourceId;
- Modify has one detail per changed target: a property (Attribute "Properties" and its Name),
  Tags (Attribute "Tags"), or a resource attribute (Metadata, DeletionPolicy, ...), with
  RequiresRecreation from update_behaviors.json, the table of the AWS resource reference;
- a property edited in the template is DirectModification / Static; one whose template value is
  unchanged but refers to a changed parameter, to a replaced resource (Ref) or to an attribute that
  may change (Fn::GetAtt of a replaced resource, or of a modified custom resource, whose attributes
  are its provider's answer) gets a DirectModification / Dynamic detail plus one Static (Dynamic if
  the replacement is only conditional) detail per cause: ParameterReference, ResourceReference or
  ResourceAttribute, with CausingEntity;
- Replacement is the most intrusive RequiresRecreation (Always "True", Conditionally
  "Conditional", Never "False"); a replaced resource propagates to the resources that refer to it.

A property of a type the table does not know is Conditionally: the emulator does not claim what
it cannot source.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from moto.cloudformation.models import Stack
from moto.cloudformation.parsing import ResourceMap
from moto.core.common_models import CloudFormationModel

from .cfn_engine import is_custom_type
from .cfn_references import dependency_order, references

RECREATION_RANK = {"Never": 0, "Conditionally": 1, "Always": 2}
REPLACEMENT = {"Never": "False", "Conditionally": "Conditional", "Always": "True"}
RESOURCE_ATTRIBUTES = ("Metadata", "CreationPolicy", "UpdatePolicy", "DeletionPolicy", "UpdateReplacePolicy")
# The types the emulator puts stack tags on (s3_bucket.apply_tags): a change of stack tags changes theirs.
STACK_TAGGED_TYPES = {"AWS::S3::Bucket"}


@lru_cache(maxsize=1)
def _behaviors() -> dict[str, Any]:
    return json.loads(Path(__file__).with_name("update_behaviors.json").read_text(encoding="utf-8"))["types"]


def _entry(resource_type: str) -> dict[str, Any] | None:
    return _behaviors().get("Custom::*" if is_custom_type(resource_type) else resource_type)


def requires_recreation(resource_type: str, prop: str) -> str:
    """Never, Conditionally or Always, as the AWS resource reference says for this property."""
    entry = _entry(resource_type)
    if entry is None:
        return "Conditionally"
    return entry["properties"].get(prop, entry.get("otherProperties", "Conditionally"))


def name_property(resource_type: str) -> str | None:
    """The property that names the resource (BucketName, RoleName, ...), if it has one."""
    entry = _entry(resource_type)
    return entry.get("nameProperty") if entry else None


def most_intrusive(recreations: Iterable[str]) -> str:
    """The RequiresRecreation that decides the update: Always over Conditionally over Never."""
    return max(recreations, key=RECREATION_RANK.__getitem__, default="Never")


@dataclass
class ResourceChange:
    """One entry of a change set's Changes."""

    action: str
    logical_id: str
    resource_type: str
    physical_id: str | None = None
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def recreation(self) -> str:
        return most_intrusive(d["Target"]["RequiresRecreation"] for d in self.details)

    def to_aws(self) -> dict[str, Any]:
        """The Change structure of DescribeChangeSet."""
        change: dict[str, Any] = {"Action": self.action, "LogicalResourceId": self.logical_id}
        if self.physical_id:
            change["PhysicalResourceId"] = self.physical_id
        change["ResourceType"] = self.resource_type
        if self.action == "Modify":
            change["Replacement"] = REPLACEMENT[self.recreation]
        change["Scope"] = list(dict.fromkeys(d["Target"]["Attribute"] for d in self.details))
        change["Details"] = self.details
        return {"Type": "Resource", "ResourceChange": change}


def existing_resources(resource_map: ResourceMap) -> dict[str, Any]:
    """The stack's resources that exist, by logical id, in template order."""
    parsed = resource_map._parsed_resources
    return {lid: parsed[lid] for lid in resource_map._resource_json_map if isinstance(parsed.get(lid), CloudFormationModel)}


def present_resources(resource_map: ResourceMap) -> dict[str, dict[str, Any]]:
    """The template's resources whose Condition (if any) holds."""
    return {
        lid: resource_json
        for lid, resource_json in resource_map._resource_json_map.items()
        if not resource_json.get("Condition") or resource_map.lazy_condition_map[resource_json["Condition"]]
    }


def _target(resource_type: str, prop: str) -> dict[str, str]:
    if prop == "Tags":
        return {"Attribute": "Tags", "RequiresRecreation": requires_recreation(resource_type, prop)}
    return {"Attribute": "Properties", "Name": prop, "RequiresRecreation": requires_recreation(resource_type, prop)}


def _detail(target: dict[str, str], evaluation: str, source: str, entity: str | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"Target": target, "Evaluation": evaluation, "ChangeSource": source}
    if entity is not None:
        detail["CausingEntity"] = entity
    return detail


@dataclass
class _Propagation:
    """What earlier changes mean for the resources that refer to them."""

    parameters: set[str]
    replaced: dict[str, str] = field(default_factory=dict)
    attributes_may_change: set[str] = field(default_factory=set)

    def causes(self, value: Any) -> list[tuple[str, str, str]]:
        found: list[tuple[str, str, str]] = []
        for ref in references(value):
            evaluation = "Static" if self.replaced.get(ref.target) == "Always" else "Dynamic"
            if ref.attribute is None and ref.target in self.parameters:
                cause = ("ParameterReference", ref.target, "Static")
            elif ref.attribute is None and ref.target in self.replaced:
                cause = ("ResourceReference", ref.target, evaluation)
            elif ref.attribute is not None and (ref.target in self.replaced or ref.target in self.attributes_may_change):
                cause = ("ResourceAttribute", f"{ref.target}.{ref.attribute}", evaluation)
            else:
                continue
            if cause not in found:
                found.append(cause)
        return found


def _details(old_json: dict[str, Any], new_json: dict[str, Any], propagation: _Propagation) -> list[dict[str, Any]]:
    resource_type = new_json["Type"]
    old_props, new_props = old_json.get("Properties") or {}, new_json.get("Properties") or {}
    details: list[dict[str, Any]] = []
    for prop in dict.fromkeys([*new_props, *old_props]):
        target = _target(resource_type, prop)
        if old_props.get(prop) != new_props.get(prop):
            details.append(_detail(target, "Static", "DirectModification"))
            continue
        causes = propagation.causes(new_props.get(prop))
        if causes:
            details.append(_detail(target, "Dynamic", "DirectModification"))
            details.extend(_detail(target, evaluation, source, entity) for source, entity, evaluation in causes)
    for attribute in RESOURCE_ATTRIBUTES:
        if old_json.get(attribute) != new_json.get(attribute):
            details.append(_detail({"Attribute": attribute, "RequiresRecreation": "Never"}, "Static", "DirectModification"))
    return details


def plan_changes(stack: Stack, new_map: ResourceMap, stack_tags_changed: bool = False) -> list[ResourceChange]:
    """What updating the stack to new_map's template and parameters changes, resource by resource."""
    old_map = stack.resource_map
    old = existing_resources(old_map)
    new = present_resources(new_map)
    before, after = old_map.resolved_parameters, new_map.resolved_parameters
    propagation = _Propagation(parameters={k for k in before.keys() | after.keys() if before.get(k) != after.get(k)})
    changes: list[ResourceChange] = []
    for lid in dependency_order(new):
        resource_type = new[lid]["Type"]
        if lid not in old:
            changes.append(ResourceChange("Add", lid, resource_type))
            continue
        details = _details(old_map._resource_json_map[lid], new[lid], propagation)
        if stack_tags_changed and resource_type in STACK_TAGGED_TYPES and not any(d["Target"]["Attribute"] == "Tags" for d in details):
            details.append(_detail(_target(resource_type, "Tags"), "Static", "DirectModification"))
        if not details:
            continue
        change = ResourceChange("Modify", lid, resource_type, old[lid].physical_resource_id, details)
        if change.recreation != "Never":
            propagation.replaced[lid] = change.recreation
        if is_custom_type(resource_type):
            propagation.attributes_may_change.add(lid)
        changes.append(change)
    for lid, model in old.items():
        if lid not in new:
            changes.append(ResourceChange("Remove", lid, old_map._resource_json_map[lid]["Type"], model.physical_resource_id))
    return changes
