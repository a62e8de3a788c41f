"""AutoGraph's source-to-source conversion: Python control flow in, runtime calls out.

The decorated function's source (`inspect.getsource`) is parsed with `ast` and rewritten in passes:

1. `return` inside a branch or loop becomes `do_return = True; retval_ = value`; the statements after
   it run under `if not do_return:` (or move into the `else` of an `if` whose body always returns),
   loops get `not do_return` as an extra test, and the function ends with `return ag__.retval(retval_)`.
2. `break` and `continue` become flags the same way (`break_`, `continue_`); a loop's `else:` runs
   under `if not break_:`; `set_loop_options(...)` calls in a loop body move into the loop's options.
3. Liveness (`scope.py`) gives each `if` and loop its state: the names it assigns that are read later.
4. `if`, `while` and `for` become functions of that state plus a call of `ag__.if_stmt`,
   `ag__.while_stmt` or `ag__.for_stmt` (`runtime.py`), which decide at run time between Python and
   `tf.cond` / `tf.while_loop`. A state name not yet assigned starts as `ag__.Undefined('name')`.
5. `and`, `or`, `not` and `a if c else b` become `ag__.and_`, `ag__.or_`, `ag__.not_`, `ag__.if_exp`
   (operands as lambdas, so short circuits keep their meaning).

6. Every call `f(*args, k=v)` becomes `ag__.converted_call(f, (*args,), {'k': v})` (with `**`
   unpacking, `ag__.keywords(k=v, **kw)` builds the dict, so a name given twice is still refused), which
   converts `f` on its first call where it is user code (`conversion.py` says which) and caches it.

Nested functions and lambdas are converted with the function; a lambda called from converted code
is converted from the line that defines it. The result is compiled with the original file name and
line numbers, globals and closure cells, so tracebacks point at the user's code; `to_code` shows it.
A function's source is parsed and converted once per code object; each function object (a closure,
say) then only gets its own cells.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
import warnings
import weakref
from collections.abc import Callable
from typing import Any

from tapeflow.autograph import runtime
from tapeflow.autograph.experimental import do_not_convert
from tapeflow.autograph.scope import annotate_liveness, stores

__all__ = ["convert", "do_not_convert", "is_converted", "to_code", "to_graph"]

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_FRAME_BUILTINS = {"super", "locals", "globals", "vars", "dir", "eval", "exec"}  # read the caller's frame
_AG_CELL = types.CellType(runtime)
# code object -> (its converted code, or None where the function is left as it is; the shown source)
_CODES: dict[types.CodeType, tuple[types.CodeType | None, str]] = {}
_COMPILED: set[types.CodeType] = set()  # every code object the converter compiled, nested ones included
_FUNCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # function -> converted function


def convert(func: Callable) -> Callable:
    """`func` converted (once; cached), or `func` itself with TensorFlow's warning when it cannot be
    (its source is not available: functions built by `exec`, in the interactive interpreter)."""
    if getattr(func, "_autograph_do_not_convert", False) or is_converted(func):
        return func
    try:
        return _converted(func)[0]
    except Exception as e:  # noqa: BLE001 - as TensorFlow, run what cannot be converted as it is
        warnings.warn(
            f"AutoGraph could not transform {func} and will run it as-is.\nCause: {e}\nTo silence this "
            f"warning, decorate the function with @tf.autograph.experimental.do_not_convert",
            stacklevel=2,
        )
        return func


def is_converted(func: Callable) -> bool:
    """Whether `func` is the converter's output (or a function defined inside it)."""
    return getattr(func, "__code__", None) in _COMPILED


def to_graph(
    entity: Callable, recursive: bool = True, experimental_optional_features: Any = None
) -> Callable:
    """`tf.autograph.to_graph`: the converted function (errors if the source is not available)."""
    return _converted(getattr(entity, "python_function", entity))[0]


def to_code(entity: Callable, recursive: bool = True, experimental_optional_features: Any = None) -> str:
    """`tf.autograph.to_code`: the source of the converted function."""
    return _converted(getattr(entity, "python_function", entity))[1]


def _converted(func: Callable) -> tuple[Callable, str]:
    if inspect.ismethod(func):  # convert the function, bind the result to the same instance
        converted, source = _converted(func.__func__)
        return types.MethodType(converted, func.__self__), source
    code = getattr(func, "__code__", None)
    if not isinstance(code, types.CodeType):
        raise TypeError(f"{func!r} is not a Python function: AutoGraph converts Python source")
    if code not in _CODES:
        _CODES[code] = _convert_code(func)
    converted_code, source = _CODES[code]
    converted = _FUNCTIONS.get(func)
    if converted is None:
        converted = _FUNCTIONS[func] = func if converted_code is None else _load(func, converted_code)
    return converted, source


def _convert_code(func: types.FunctionType) -> tuple[types.CodeType | None, str]:
    if func.__name__ == "<lambda>":
        tree, node = _lambda_source(func)
    else:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
        node = tree.body[0] if tree.body else None
    if (
        not isinstance(node, ast.FunctionDef)
        or node.name != func.__name__
        or func.__code__.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE)
    ):
        return None, ast.unparse(tree)
    ast.increment_lineno(tree, func.__code__.co_firstlineno - 1)
    node.decorator_list = []
    if "__class__" in func.__code__.co_freevars:
        _explicit_super(node)
    _FunctionConverter(node).run()
    return _compile(func, node), ast.unparse(node)


def _lambda_source(func: types.FunctionType) -> tuple[ast.Module, ast.FunctionDef | None]:
    """A lambda's source as `def <lambda>(args): return body`: the lines from its first one to where
    they parse, and in them the one lambda with its parameters (where several share a line, the one
    whose code sits at the columns Python recorded for it). None where it cannot be told apart."""
    lines, first = inspect.findsource(func)[0], func.__code__.co_firstlineno - 1
    tree, shift = None, 0  # shift: the column in the file of column 0 of the parsed text
    for end in range(first + 1, min(first + 50, len(lines)) + 1):
        text = "".join(lines[first:end])
        indent = len(text) - len(text.lstrip())
        for candidate, offset in ((textwrap.dedent(text), indent),
                                  ("(" + text[indent:].rstrip().rstrip(",\\") + ")", indent - 1)):
            try:
                tree, shift = ast.parse(candidate), offset
                break
            except SyntaxError:
                continue
        if tree is not None:
            break
    if tree is None:
        return ast.Module(body=[], type_ignores=[]), None
    params = func.__code__.co_varnames[: func.__code__.co_argcount + func.__code__.co_kwonlyargcount]
    lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)
               and tuple(a.arg for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs) == params]
    if len(lambdas) > 1:
        positions = getattr(func.__code__, "co_positions", lambda: ())()  # Python 3.11+
        columns = {col for line, _, col, _ in positions if line == first + 1 and col is not None}
        lambdas = [n for n in lambdas if n.lineno == 1 and n.body.col_offset + shift in columns]
    if len(lambdas) != 1:
        return tree, None
    (found,) = lambdas
    node = ast.FunctionDef(name="<lambda>", args=found.args, body=[ast.Return(found.body)], decorator_list=[],
                           returns=None)
    if "type_params" in ast.FunctionDef._fields:  # Python 3.12+
        node.type_params = []
    ast.copy_location(node, found)
    module = ast.fix_missing_locations(ast.Module(body=[node], type_ignores=[]))
    return module, node


def _explicit_super(node: ast.FunctionDef) -> None:
    """`super()` finds its class through the implicit `__class__` cell of a method, which the
    converted function (compiled outside the class) gets only by name: `super(__class__, self)`."""
    first = (node.args.posonlyargs + node.args.args)[:1]
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "super":
            if not call.args and first:
                call.args = [_name("__class__"), _name(first[0].arg)]


def _compile(func: types.FunctionType, node: ast.FunctionDef) -> types.CodeType:
    """The code of the converted `node`, compiled inside a factory whose parameters are `ag__` (the
    runtime) and `func`'s free variables, so that it reads them as closure cells."""
    free = func.__code__.co_freevars
    factory = ast.parse(f"def ag__factory({', '.join(('ag__', *free))}): pass").body[0]
    name = node.name
    node.name = "ag__converted"  # so that the factory does not bind the function's own name
    factory.body = [node]
    module = ast.fix_missing_locations(ast.Module(body=[factory], type_ignores=[]))
    code = compile(module, func.__code__.co_filename, "exec")
    node.name = name
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts if getattr(c, "co_name", None) == "ag__converted")
    names = {"co_name": func.__code__.co_name}
    if hasattr(func.__code__, "co_qualname"):  # Python 3.11+
        names["co_qualname"] = func.__code__.co_qualname
    inner = inner.replace(**names)
    stack = [inner]
    while stack:
        compiled = stack.pop()
        _COMPILED.add(compiled)
        stack.extend(c for c in compiled.co_consts if isinstance(c, types.CodeType))
    return inner


def _load(func: types.FunctionType, code: types.CodeType) -> types.FunctionType:
    """The converted `code` as a function sharing `func`'s globals, defaults and closure cells."""
    cells = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    cells["ag__"] = _AG_CELL
    converted = types.FunctionType(
        code, func.__globals__, func.__name__, func.__defaults__, tuple(cells[n] for n in code.co_freevars)
    )
    converted.__kwdefaults__ = func.__kwdefaults__
    converted.__qualname__, converted.__doc__, converted.__module__ = (
        func.__qualname__,
        func.__doc__,
        func.__module__,
    )
    converted.__dict__.update(func.__dict__)
    return converted


# ---- AST helpers ---------------------------------------------------------------------------------


def _name(id_: str, store: bool = False, raw: bool = False) -> ast.Name:
    node = ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())
    node.ag_raw = raw  # a read that may see `Undefined` without raising (state passed to the runtime)
    return node


def _ag(attr: str, *args: ast.expr) -> ast.Call:
    return ast.Call(
        func=ast.Attribute(value=_name("ag__"), attr=attr, ctx=ast.Load()), args=list(args), keywords=[]
    )


def _assign(id_: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[_name(id_, store=True)], value=value)


def _not(id_: str) -> ast.expr:
    return ast.UnaryOp(op=ast.Not(), operand=_name(id_))


def _tuple(names: list[str], store: bool = False) -> ast.Tuple:
    return ast.Tuple(
        elts=[_name(n, store=store, raw=True) for n in names], ctx=ast.Store() if store else ast.Load()
    )


def _lambda(body: ast.expr) -> ast.Lambda:
    no_args = ast.arguments(
        posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
    )
    return ast.Lambda(args=no_args, body=body)


def _own_statements(stmts: list[ast.stmt]):
    """The statements of `stmts` and of the blocks inside them, not inside nested scopes."""
    for stmt in stmts:
        yield stmt
        if not isinstance(stmt, _SCOPES):
            for block in _blocks(stmt):
                yield from _own_statements(block)


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    blocks = [getattr(stmt, field) for field in ("body", "orelse", "finalbody") if hasattr(stmt, field)]
    return blocks + [h.body for h in getattr(stmt, "handlers", [])]


def _is_loop_options(stmt: ast.stmt) -> bool:
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    func = call.func if isinstance(call, ast.Call) else None
    return getattr(func, "attr", getattr(func, "id", None)) == "set_loop_options"


def _add_loop_test(loop: ast.While | ast.For, test: ast.expr) -> None:
    """Make `loop` also stop when `test` is false, checked before its own test."""
    if isinstance(loop, ast.While):
        loop.test = ast.BoolOp(op=ast.And(), values=[test, loop.test])
    else:
        loop.ag_extra_tests = [test, *getattr(loop, "ag_extra_tests", [])]


class _Jump:
    """A kind of jump being lowered to a flag, whose name is chosen on first use."""

    def __init__(self, kind: type, fresh: Callable[[], str], into_loops: bool):
        self.kind, self._fresh, self.into_loops, self._flag = kind, fresh, into_loops, None

    @property
    def flag(self) -> str:
        self._flag = self._flag or self._fresh()
        return self._flag

    def always(self, stmts: list[ast.stmt]) -> bool:
        """Whether every path through `stmts` jumps."""
        return any(
            isinstance(s, self.kind)
            or (isinstance(s, ast.If) and s.orelse and self.always(s.body) and self.always(s.orelse))
            or (isinstance(s, ast.With) and self.always(s.body))
            for s in stmts
        )


# ---- the converter -------------------------------------------------------------------------------


class _FunctionConverter:
    """Converts one function definition in place (see the module doc for the passes)."""

    def __init__(self, node: ast.FunctionDef):
        self.node = node
        args = node.args
        self.params = {
            a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a
        }
        self.used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | self.params
        own = list(_own_statements(node.body))
        self.globals = {n for s in own if isinstance(s, ast.Global) for n in s.names}
        self.nonlocals = {n for s in own if isinstance(s, ast.Nonlocal) for n in s.names}
        self.undefined: set[str] = set()  # names that may hold `Undefined`: read through `ag__.ld`

    def fresh(self, base: str) -> str:
        name, i = base, 0
        while name in self.used:
            i += 1
            name = f"{base}_{i}"
        self.used.add(name)
        return name

    def run(self) -> None:
        for stmt in _own_statements(self.node.body):
            if isinstance(stmt, ast.FunctionDef):
                _FunctionConverter(stmt).run()
        body = self._lower_returns(self.node.body)
        body = self._lower_loops(body)
        annotate_liveness(body)
        known = self.params | self.globals | self.nonlocals
        self.node.body = self._block(body, set(known), set(known))
        _Expressions(self.undefined).visit(self.node)
        self.node.ag_converted = True

    # ---- pass 1 and 2: jumps become flags ----

    def _lower_returns(self, body: list[ast.stmt]) -> list[ast.stmt]:
        nested = [
            s
            for top in body
            if not isinstance(top, _SCOPES)
            for block in _blocks(top)
            for s in _own_statements(block)
        ]
        if not any(isinstance(s, ast.Return) for s in nested):
            return body
        jump = _Jump(ast.Return, lambda: self.fresh("do_return"), into_loops=True)
        value = self.fresh("retval_")

        def replace(ret: ast.Return) -> list[ast.stmt]:
            result = ret.value or ast.Constant(None)
            return [
                ast.copy_location(_assign(jump.flag, ast.Constant(True)), ret),
                ast.copy_location(_assign(value, result), ret),
            ]

        lowered, _ = self._lower_jumps(body, jump, replace)
        start = [_assign(jump.flag, ast.Constant(False)), _assign(value, _ag("UndefinedReturnValue"))]
        return [*start, *lowered, ast.Return(value=_ag("retval", _name(value)))]

    def _lower_jumps(self, stmts: list[ast.stmt], jump: _Jump, replace: Callable) -> tuple[list, bool]:
        """`stmts` with `jump`s replaced and what follows a possible jump guarded; whether one was found."""
        out: list[ast.stmt] = []
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, jump.kind):
                return out + replace(stmt), True
            rest = stmts[i + 1 :]
            if isinstance(stmt, ast.If) and (jump.always(stmt.body) or jump.always(stmt.orelse)):
                # what follows runs only where the `if` did not jump: move it into that branch
                if not jump.always(stmt.orelse):
                    stmt.orelse = stmt.orelse + rest
                elif not jump.always(stmt.body):
                    stmt.body = stmt.body + rest
                rest = []
            jumped = False
            if not isinstance(stmt, _SCOPES) and (
                jump.into_loops or not isinstance(stmt, ast.While | ast.For)
            ):
                for block in _blocks(stmt):
                    block[:], found = self._lower_jumps(block, jump, replace)
                    jumped |= found
            out.append(stmt)
            if not jumped:
                continue
            if isinstance(stmt, ast.While | ast.For):  # stop the loop; its `else:` runs only if not jumped
                _add_loop_test(stmt, _not(jump.flag))
                stmt.orelse = [ast.If(test=_not(jump.flag), body=stmt.orelse, orelse=[])] * bool(stmt.orelse)
            rest, _ = self._lower_jumps(rest, jump, replace)
            if rest:
                out.append(ast.copy_location(ast.If(test=_not(jump.flag), body=rest, orelse=[]), rest[0]))
            return out, True
        return out, False

    def _lower_loops(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out = []
        for stmt in stmts:
            if not isinstance(stmt, _SCOPES):
                for block in _blocks(stmt):
                    block[:] = self._lower_loops(block)
            out.extend(self._lower_loop(stmt) if isinstance(stmt, ast.While | ast.For) else [stmt])
        return out

    def _lower_loop(self, loop: ast.While | ast.For) -> list[ast.stmt]:
        loop.ag_options = [k for s in loop.body if _is_loop_options(s) for k in s.value.keywords]
        body = [s for s in loop.body if not _is_loop_options(s)] or [ast.Pass()]
        before, after = [], loop.orelse
        brk = _Jump(ast.Break, lambda: self.fresh("break_"), into_loops=False)
        body, broke = self._lower_jumps(
            body, brk, lambda s: [ast.copy_location(_assign(brk.flag, ast.Constant(True)), s)]
        )
        if broke:
            before = [ast.copy_location(_assign(brk.flag, ast.Constant(False)), loop)]
            _add_loop_test(loop, _not(brk.flag))
            after = [
                ast.copy_location(ast.If(test=_not(brk.flag), body=loop.orelse, orelse=[]), loop)
            ] * bool(after)
        cont = _Jump(ast.Continue, lambda: self.fresh("continue_"), into_loops=False)
        body, continued = self._lower_jumps(
            body, cont, lambda s: [ast.copy_location(_assign(cont.flag, ast.Constant(True)), s)]
        )
        if continued:
            body.insert(0, ast.copy_location(_assign(cont.flag, ast.Constant(False)), loop))
        loop.body, loop.orelse = body, []
        return [*before, loop, *after]

    # ---- pass 4: statements become runtime calls ----

    def _block(self, stmts: list[ast.stmt], defined: set[str], maybe: set[str]) -> list[ast.stmt]:
        """Convert `stmts`; `defined` / `maybe` are the names surely / possibly bound in this scope."""
        out = []
        for stmt in stmts:
            if isinstance(stmt, ast.If | ast.While | ast.For):
                converted = self._statement(stmt, defined, maybe)
                out.extend(ast.copy_location(s, stmt) for s in converted)
                continue
            if isinstance(stmt, ast.With):
                defined |= stores([i.optional_vars for i in stmt.items if i.optional_vars])
                stmt.body = self._block(stmt.body, defined, maybe)
            elif isinstance(stmt, ast.Try):
                for block in (stmt.body, stmt.orelse, stmt.finalbody):
                    block[:] = self._block(block, set(defined), maybe)
                for handler in stmt.handlers:  # its `as` name is bound inside it
                    handler.body = self._block(handler.body, defined | stores(handler), maybe)
                maybe |= stores(stmt)
                out.append(stmt)
                continue
            out.append(stmt)
            defined |= stores(stmt)
            maybe |= stores(stmt)
        return out

    def _statement(
        self, stmt: ast.If | ast.While | ast.For, defined: set[str], maybe: set[str]
    ) -> list[ast.stmt]:
        declared = self.globals | self.nonlocals
        out: list[ast.stmt] = []
        if isinstance(stmt, ast.If):
            live = stmt.ag_live_out | stmt.ag_live_branches
            state = sorted((stores(stmt.body) | stores(stmt.orelse)) & live - declared)
            true_fn, false_fn = self.fresh("if_body"), self.fresh("else_body")
            out += [self._def(true_fn, state, stmt.body), self._def(false_fn, state, stmt.orelse)]
            call = _ag(
                "if_stmt", stmt.test, _name(true_fn), _name(false_fn), _tuple(state), self._names(state)
            )
        else:
            target = stores(stmt.target) if isinstance(stmt, ast.For) else set()
            state = sorted((stores(stmt.body) | target) & stmt.ag_live_head - declared)
            body_fn = self.fresh("loop_body")
            options = ast.Dict(
                keys=[ast.Constant(k.arg) for k in stmt.ag_options], values=[k.value for k in stmt.ag_options]
            )
            if isinstance(stmt, ast.While):
                test_fn = self.fresh("loop_test")
                out += [
                    self._def(test_fn, state, [ast.Return(stmt.test)], returns=False),
                    self._def(body_fn, state, stmt.body),
                ]
                call = _ag("while_stmt", _name(test_fn), _name(body_fn), _tuple(state), self._names(state))
            else:
                item = self.fresh("itr")
                body = [ast.Assign(targets=[stmt.target], value=_name(item)), *stmt.body]
                extra = getattr(stmt, "ag_extra_tests", [])
                test: ast.expr = ast.Constant(None)
                if extra:
                    test = _name(self.fresh("extra_test"))
                    test_body = [
                        ast.Return(extra[0] if len(extra) == 1 else ast.BoolOp(op=ast.And(), values=extra))
                    ]
                    out.append(self._def(test.id, state, test_body, returns=False))
                out.append(self._def(body_fn, state, body, first=item))
                call = _ag("for_stmt", stmt.iter, test, _name(body_fn), _tuple(state), self._names(state))
            if options.keys:
                call.args.append(options)
        out.append(ast.Assign(targets=[_tuple(state, store=True)], value=call) if state else ast.Expr(call))
        out = self._guards(state, defined, maybe) + out
        defined |= set(state)
        maybe |= set(state)
        return out

    def _names(self, state: list[str]) -> ast.Tuple:
        return ast.Tuple(elts=[ast.Constant(n) for n in state], ctx=ast.Load())

    def _guards(self, state: list[str], defined: set[str], maybe: set[str]) -> list[ast.stmt]:
        """Bind the state names not surely bound yet, to `Undefined` where they are not bound."""
        out = []
        for name in state:
            if name in defined:
                continue
            self.undefined.add(name)
            if name in maybe:
                value = _ag(
                    "maybe_undefined",
                    ast.Call(func=_name("locals"), args=[], keywords=[]),
                    ast.Constant(name),
                )
            else:
                value = _ag("Undefined", ast.Constant(name))
            out.append(_assign(name, value))
        return out

    def _def(
        self,
        name: str,
        state: list[str],
        body: list[ast.stmt],
        returns: bool = True,
        first: str | None = None,
    ) -> ast.FunctionDef:
        """`def name([first,] *state): body; return state`, its body converted in its own scope."""
        params = [first] * (first is not None) + state
        if returns:
            body = self._block(body, set(params), set(params)) + [ast.Return(_tuple(state))]
        assigned = stores(body)
        declarations = [
            decl(names=sorted(names & assigned))
            for decl, names in ((ast.Global, self.globals), (ast.Nonlocal, self.nonlocals))
            if names & assigned
        ]
        args = ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg=p) for p in params],
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=[],
        )
        return ast.FunctionDef(
            name=name, args=args, body=declarations + body, decorator_list=[], returns=None
        )


class _Expressions(ast.NodeTransformer):
    """Pass 5: boolean operators and conditional expressions become runtime calls; reads of names that
    may be undefined go through `ag__.ld`. Lambdas and converted nested functions are left alone."""

    def __init__(self, undefined: set[str]):
        self.undefined = undefined

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return node if getattr(node, "ag_converted", False) else self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        return node  # its methods are converted when called

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        params = {a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs}
        if node.args.vararg:
            params.add(node.args.vararg.arg)
        if node.args.kwarg:
            params.add(node.args.kwarg.arg)
        inner = _Expressions(self.undefined - params)  # its parameters are always defined
        node.body = inner.visit(node.body)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        return _converted_call(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        return _ag("and_" if isinstance(node.op, ast.And) else "or_", *map(_lambda, node.values))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        return _ag("not_", node.operand) if isinstance(node.op, ast.Not) else node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        return _ag("if_exp", node.test, _lambda(node.body), _lambda(node.orelse))

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if (
            isinstance(node.ctx, ast.Load)
            and node.id in self.undefined
            and not getattr(node, "ag_raw", False)
        ):
            return _ag("ld", node)
        return node


def _converted_call(node: ast.Call) -> ast.expr:
    """Pass 6: a call becomes `ag__.converted_call` (but not one of the runtime's own, or of a builtin
    that reads its caller's frame)."""
    func = node.func
    if (isinstance(func, ast.Name) and func.id in _FRAME_BUILTINS) or (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "ag__"
    ):
        return node
    kwargs: ast.expr = ast.Constant(None)
    if any(k.arg is None for k in node.keywords):  # `**` unpacking: Python's duplicate check
        kwargs = _ag("keywords")
        kwargs.keywords = node.keywords
    elif node.keywords:
        kwargs = ast.Dict(
            keys=[ast.Constant(k.arg) if k.arg else None for k in node.keywords],
            values=[k.value for k in node.keywords],
        )
    args = ast.Tuple(elts=node.args, ctx=ast.Load())
    return ast.copy_location(_ag("converted_call", func, args, kwargs), node)
