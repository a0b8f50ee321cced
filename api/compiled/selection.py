"""A validated operation as a tree of fields, fragments resolved and merged.

Only what the SQL compiler can translate faithfully gets this far: any directive,
abstract type (`node`) or argument built from variables inside a list or input
object raises `NotCompilable`, and the operation then always runs through
strawberry.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
    is_abstract_type,
    value_from_ast,
)

Variables = Mapping[str, Any]


class NotCompilable(Exception):
    """The operation (or one of its fields) has no SQL translation."""


@dataclass(frozen=True)
class Argument:
    """An argument's value: a literal, or a variable with the literal as its fallback
    (the argument's default applies when the variable is not provided)."""

    literal: Any = None
    variable: str | None = None

    def value(self, variables: Variables) -> Any:
        if self.variable is not None and self.variable in variables:
            return variables[self.variable]
        return self.literal


@dataclass(frozen=True)
class Field:
    key: str  # the response key: the alias, or the field's name
    name: str
    arguments: dict[str, Argument] = field(default_factory=dict)
    fields: tuple["Field", ...] = ()  # the merged sub-selection of an object field

    def argument(self, name: str) -> Argument:
        return self.arguments.get(name, Argument())

    def literal(self, name: str) -> Any:
        """A structural argument (it changes the SQL, not only its parameters)."""
        argument = self.argument(name)
        if argument.variable is not None:
            raise NotCompilable(f"`{name}` from a variable")
        return argument.literal


def operation_fields(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> tuple[Field, ...]:
    root = schema.get_root_type(operation.operation)
    if root is None:
        raise NotCompilable("no root type")
    return _Collector(schema, fragments).fields([operation.selection_set], root)


@dataclass(frozen=True)
class _Collector:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]

    def fields(
        self, selection_sets: Iterable[SelectionSetNode], parent: GraphQLObjectType
    ) -> tuple[Field, ...]:
        groups: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._group(selection_set, parent, groups)
        return tuple(self._field(nodes, parent) for nodes in groups.values())

    def _group(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLObjectType,
        groups: dict[str, list[FieldNode]],
    ) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise NotCompilable("directives")
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                groups.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, parent):
                    self._group(selection.selection_set, parent, groups)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                if fragment.directives:
                    raise NotCompilable("directives")
                if self._applies(fragment.type_condition.name.value, parent):
                    self._group(fragment.selection_set, parent, groups)

    def _applies(self, condition: str, parent: GraphQLObjectType) -> bool:
        condition_type = self.schema.get_type(condition)
        if condition_type is parent:
            return True
        return is_abstract_type(condition_type) and self.schema.is_sub_type(
            condition_type,
            parent,
        )

    def _field(self, nodes: list[FieldNode], parent: GraphQLObjectType) -> Field:
        first = nodes[0]
        name = first.name.value
        key = (first.alias or first.name).value
        if name == "__typename":
            return Field(key, name)
        if name.startswith("__"):
            raise NotCompilable("introspection")
        definition = parent.fields[name]
        arguments = _arguments(first, definition)
        named = get_named_type(definition.type)
        if isinstance(named, GraphQLObjectType):
            children = [node.selection_set for node in nodes if node.selection_set]
            return Field(key, name, arguments, self.fields(children, named))
        if is_abstract_type(named):
            raise NotCompilable(f"abstract type {named}")
        return Field(key, name, arguments)


def _arguments(node: FieldNode, definition: GraphQLField) -> dict[str, Argument]:
    given = {argument.name.value: argument.value for argument in node.arguments or ()}
    arguments: dict[str, Argument] = {}
    for name, spec in definition.args.items():
        default = None if spec.default_value is Undefined else spec.default_value
        value = given.get(name)
        if value is None:
            arguments[name] = Argument(default)
        elif isinstance(value, VariableNode):
            arguments[name] = Argument(default, value.name.value)
        else:
            literal = value_from_ast(value, spec.type)
            if literal is Undefined:  # a variable inside a list or an input object
                raise NotCompilable(f"argument `{name}`")
            arguments[name] = Argument(literal)
    return arguments
