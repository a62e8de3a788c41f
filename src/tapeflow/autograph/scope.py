"""Static analysis for AutoGraph: which names a piece of code binds and reads, and which are live.

Converting a loop or an `if` turns its body into a function whose parameters and results are the
*state*: the names the body assigns that something still reads afterwards (after the statement, or
in the next iteration of the loop). Everything else the body assigns is local to it. `annotate_liveness`
runs a backward liveness pass over structured code (the jumps are already lowered to flags) and
records on every compound statement what is live after it (`ag_live_out`) and, for loops, at the loop
head (`ag_live_head`); for an `if`, what its branches read before assigning (`ag_live_branches`).
The pass is conservative: a nested function reads every name it mentions, a `try` kills nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

__all__ = ["annotate_liveness", "loads", "stores"]

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def loads(node: ast.AST | Iterable[ast.AST] | None) -> set[str]:
    """Every name read in `node`, nested functions included (a closure may read it later)."""
    nodes = [] if node is None else [node] if isinstance(node, ast.AST) else list(node)
    found = set()
    for root in nodes:
        for n in ast.walk(root):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                found.add(n.id)
            elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                found.add(n.target.id)
    return found


def stores(node: ast.AST | Iterable[ast.AST] | None) -> set[str]:
    """Every name bound in `node`'s own scope (not inside nested functions, classes or comprehensions,
    whose names are their own; a nested `def` or `class` binds its name)."""
    nodes = [] if node is None else [node] if isinstance(node, ast.AST) else list(node)
    found: set[str] = set()
    stack = list(nodes)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del):
            found.add(n.id)
        elif isinstance(n, ast.alias):
            found.add((n.asname or n.name).split(".")[0])
        elif isinstance(n, ast.ExceptHandler) and n.name:
            found.add(n.name)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(n.name)
            continue
        if not isinstance(n, (ast.Lambda, *_COMPREHENSIONS)):
            stack.extend(ast.iter_child_nodes(n))
    return found


def annotate_liveness(body: list[ast.stmt], live_out: Iterable[str] = ()) -> set[str]:
    """Annotate the compound statements of `body` (see module doc); the names live at its start."""
    live = set(live_out)
    for stmt in reversed(body):
        live = _live_before(stmt, live)
    return live


def _live_before(stmt: ast.stmt, live: set[str]) -> set[str]:
    stmt.ag_live_out = live
    if isinstance(stmt, ast.If):
        branches = annotate_liveness(stmt.body, live) | annotate_liveness(stmt.orelse, live)
        stmt.ag_live_branches = branches
        return loads(stmt.test) | branches
    if isinstance(stmt, ast.While | ast.For):
        return _live_before_loop(stmt, live)
    if isinstance(stmt, ast.With):
        inside = annotate_liveness(stmt.body, live) - stores(
            [i.optional_vars for i in stmt.items if i.optional_vars]
        )
        return loads([i.context_expr for i in stmt.items]) | inside
    if isinstance(stmt, ast.Try):
        everything = live | loads(stmt)
        for block in (stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)):
            annotate_liveness(block, everything)
        return everything
    if isinstance(stmt, ast.Return):
        return loads(stmt.value)
    return (live - stores(stmt)) | loads(stmt)


def _live_before_loop(loop: ast.While | ast.For, live: set[str]) -> set[str]:
    """Liveness at the loop head: a fixpoint, since the body's reads flow back around the loop."""
    entry = loads(getattr(loop, "ag_extra_tests", [])) | loads(getattr(loop, "ag_options", []))
    target = stores(loop.target) if isinstance(loop, ast.For) else set()
    head = live | entry | loads(getattr(loop, "test", None))
    while True:
        new = head | (annotate_liveness(loop.body, head) - target)
        if new == head:
            break
        head = new
    loop.ag_live_head = head
    return head | loads(getattr(loop, "iter", None))
