"""The permission table as an application declares it: each REST route with the permission its
`require(...)` dependency names (app/api/deps.py), and which roles hold that permission.

The test of the table (tests/api/test_permissions.py) and the README's table are both made from this, so
the table cannot drift from the routes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.deps import Public, Require, RequireInGroup
from app.rwa.domain import Role
from app.rwa.registry.access import ROLE_PERMISSIONS, Permission

PUBLIC = "public"


@dataclass(frozen=True, slots=True)
class RouteRule:
    method: str
    path: str
    permission: Permission | None  # None: public (declared with `PUBLIC_ROUTE`)
    deferred: bool = False  # authorized after the body is read (group commit): needs a well-formed body

    @property
    def roles(self) -> list[Role]:
        if self.permission is None:
            return list(Role)
        return [r for r in Role if self.permission in ROLE_PERMISSIONS[r]]


def declarations(dependant: Dependant) -> Iterator[Require | RequireInGroup | Public]:
    """Every authorization declaration in a route's dependency tree."""
    for dep in dependant.dependencies:
        if isinstance(dep.call, Require | RequireInGroup | Public):
            yield dep.call
        yield from declarations(dep)


def route_rules(app: FastAPI) -> tuple[list[RouteRule], list[str]]:
    """The rule of every APIRoute (under whatever prefix it was included), and the routes that declare
    none or more than one permission (problems)."""
    rules: list[RouteRule] = []
    problems: list[str] = []
    for ctx in iter_route_contexts(app.routes):  # FastAPI 0.165 includes routers lazily: walk them all
        if not isinstance(ctx.original_route, APIRoute):
            continue
        found = set(declarations(ctx.dependant))
        for method in sorted(ctx.methods or ()):
            if len(found) != 1:
                problems.append(f"{method} {ctx.path}: {len(found)} permission declarations")
                continue
            (decl,) = found
            perm = None if isinstance(decl, Public) else decl.permission
            rules.append(RouteRule(method, str(ctx.path), perm, isinstance(decl, RequireInGroup)))
    return rules, problems


def markdown(app: FastAPI) -> str:
    """The table for the README: route, permission, roles that hold it."""
    rules, _ = route_rules(app)
    lines = ["| Route | Permission | Roles |", "|---|---|---|"]
    for r in sorted(rules, key=lambda r: (r.path, r.method)):
        perm = PUBLIC if r.permission is None else r.permission.value
        lines.append(f"| `{r.method} {r.path}` | `{perm}` | {', '.join(x.value for x in r.roles)} |")
    return "\n".join(lines)
