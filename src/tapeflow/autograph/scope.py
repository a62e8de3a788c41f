"""Static analysis for AutoGraph: which names a piece of code binds and reads, and which are live.

Converting a loop or an `if` turns its body into a function whose parameters and results are the
*state*: the names the body assigns that something still reads afterwards (after the statement, or
in the next iteration of the loop). Everything else the body assigns is local to it. `annotate_liveness`
runs a backward liveness pass over structured code (the jumps are already lowered to flags) and
records on every compound statement what is live after it (`ag_live_out`) and, for loops, at the loop
head (`ag_live_head`); for an `if`, what its branches read before assigning (`ag_live_branches`).
Nested functions, lambdas and comprehensions read their free names; inside a `try`, what its handlers
and `finally` read stays live at every statement (any of them may raise).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

__all__ = ["annotate_liveness", "loads", "stores"]

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_TRY = (ast.Try, getattr(ast, "TryStar", ast.Try))


def loads(node: ast.AST | Iterable[ast.AST] | None) -> set[str]:
    """Every name `node` reads from its own scope: the free names of nested functions, lambdas and
    comprehensions count (a closure may read them later), their parameters and locals do not."""
    nodes = [] if node is None else [node] if isinstance(node, ast.AST) else list(node)
    found: set[str] = set()
    for root in nodes:
        _collect_loads(root, found)
    return found


def _collect_loads(node: ast.AST, found: set[str]) -> None:
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        found.add(node.id)
    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        found.add(node.target.id)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        args = node.args
        outside = [*args.defaults, *(d for d in args.kw_defaults if d), *getattr(node, "decorator_list", [])]
        found |= loads(outside)
        body = node.body if isinstance(node.body, list) else [node.body]
        params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
        params |= {a.arg for a in (args.vararg, args.kwarg) if a}
        found |= loads(body) - params - (stores(body) - _declared(body))
    elif isinstance(node, _COMPREHENSIONS):  # the first iterable is evaluated outside
        first, *rest = node.generators
        found |= loads(first.iter)
        inner = [first.target, *first.ifs, *rest]
        inner += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        found |= loads(inner) - stores([g.target for g in node.generators])
    else:
        for child in ast.iter_child_nodes(node):
            _collect_loads(child, found)


def _declared(body: list[ast.stmt]) -> set[str]:
    """The names a function body declares `global` or `nonlocal`."""
    found: set[str] = set()
    stack: list[ast.AST] = list(body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Global | ast.Nonlocal):
            found.update(n.names)
        elif not isinstance(n, _SCOPES):
            stack.extend(ast.iter_child_nodes(n))
    return found


def stores(node: ast.AST | Iterable[ast.AST] | None) -> set[str]:
    """Every name bound in `node`'s own scope (not inside nested functions, classes or comprehensions,
    whose names are their own, except the targets of `:=` in a comprehension; a nested `def` or
    `class` binds its name)."""
    nodes = [] if node is None else [node] if isinstance(node, ast.AST) else list(node)
    found: set[str] = set()
    stack = [(n, False) for n in nodes]
    while stack:
        n, in_comprehension = stack.pop()
        if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name):
            found.add(n.target.id)
        elif in_comprehension:
            pass
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del):
            found.add(n.id)
        elif isinstance(n, ast.alias):
            found.add((n.asname or n.name).split(".")[0])
        elif isinstance(n, ast.ExceptHandler) and n.name:
            found.add(n.name)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(n.name)
            continue
        if not isinstance(n, ast.Lambda):
            inside = in_comprehension or isinstance(n, _COMPREHENSIONS)
            stack.extend((child, inside) for child in ast.iter_child_nodes(n))
    return found


def annotate_liveness(
    body: list[ast.stmt], live_out: Iterable[str] = (), always: frozenset[str] = frozenset()
) -> set[str]:
    """Annotate the compound statements of `body` (see module doc); the names live at its start.
    `always` is live everywhere in `body` (what an exception handler or `finally` around it reads)."""
    live = set(live_out) | always
    for stmt in reversed(body):
        live = _live_before(stmt, live, always) | always
    return live


def _live_before(stmt: ast.stmt, live: set[str], always: frozenset[str]) -> set[str]:
    stmt.ag_live_out = live
    if isinstance(stmt, ast.If):
        branches = annotate_liveness(stmt.body, live, always) | annotate_liveness(stmt.orelse, live, always)
        stmt.ag_live_branches = branches
        return loads(stmt.test) | branches
    if isinstance(stmt, ast.While | ast.For):
        return _live_before_loop(stmt, live, always)
    if isinstance(stmt, ast.With):
        inside = annotate_liveness(stmt.body, live, always) - stores(
            [i.optional_vars for i in stmt.items if i.optional_vars]
        )
        return loads([i.context_expr for i in stmt.items]) | inside
    if isinstance(stmt, _TRY):
        return _live_before_try(stmt, live, always)
    if isinstance(stmt, ast.Return):
        return loads(stmt.value)
    return (live - stores(stmt)) | loads(stmt)


def _live_before_try(stmt: ast.Try, live: set[str], always: frozenset[str]) -> set[str]:
    """Any statement of the `try` body may raise: what the handlers and `finally` read is live all
    through it. A handler binds its `as` name on entry (and unbinds it on exit): it is never live
    before the handler."""
    after = annotate_liveness(stmt.finalbody, live, always)  # `finally` runs on every way out
    handlers: set[str] = set()
    for handler in stmt.handlers:
        inside = annotate_liveness(handler.body, after, always) - {handler.name}
        handlers |= loads(handler.type) | inside
    orelse = annotate_liveness(stmt.orelse, after, always)
    return annotate_liveness(stmt.body, orelse, always | handlers | after)


def _live_before_loop(loop: ast.While | ast.For, live: set[str], always: frozenset[str]) -> set[str]:
    """Liveness at the loop head: a fixpoint, since the body's reads flow back around the loop."""
    entry = loads(getattr(loop, "ag_extra_tests", [])) | loads(getattr(loop, "ag_options", []))
    target = stores(loop.target) if isinstance(loop, ast.For) else set()
    head = live | entry | loads(getattr(loop, "test", None))
    while True:
        new = head | (annotate_liveness(loop.body, head, always) - target)
        if new == head:
            break
        head = new
    loop.ag_live_head = head
    return head | loads(getattr(loop, "iter", None))
