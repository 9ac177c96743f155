"""What makes a test process cheaper to run.  Every test builds its own app (the extension's
102 URL rules, its templates), and a process builds some hundreds of them: the apps of one
process share work whose result depends only on its input.  And the garbage collector walks
the process's long-lived objects less often."""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from werkzeug.routing import Rule


class _CompiledTemplates(BytecodeCache):
    """Compiled templates shared by every app this test process makes.  Each test builds its
    own app, and a Jinja environment compiles each template anew (page tests ran about 5 %
    faster with this).  A bucket is keyed by the template's name and file, and Jinja uses its
    code only while the source's checksum matches: a test's own template is compiled anew."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


def _build_when_first_used(compile_builder: Any) -> Any:
    """Werkzeug compiles two URL builders (Python code, through ``ast`` and ``compile``) for
    every rule an app adds: 45 rules, half of the 60-130 ms it took to make each test's app.
    A test builds a few URLs: each builder is compiled by Werkzeug's own code the first time
    its rule builds one, from the same rule, so every URL comes out as before."""

    def lazy(rule: Any, append_unknown: bool = True) -> Any:
        name = "_build_unknown" if append_unknown else "_build"

        def build(self: Any, *args: Any, **values: Any) -> Any:
            real = compile_builder(self, append_unknown).__get__(self, None)
            setattr(self, name, real)
            return real(*args, **values)

        return build

    return lazy


def _compile_once(compile_rule: Any) -> Any:
    """Werkzeug parses each rule into its regular expression parts when an app adds it (a
    third of the time it takes to make an app).  The parts depend on the rule's text, its
    domain part and the map's settings and converters: a rule seen before with the same ones
    takes the parts, trace and converters Werkzeug made for it (werkzeug's own converters
    only, which keep no state but their settings)."""

    made: dict[Any, Any] = {}

    def compile(self: Any) -> None:
        converters = self.map.converters
        key = (
            self.rule,
            self.subdomain,
            self.host,
            self.merge_slashes,
            self.map.host_matching,
            tuple(converters.items()),
        )
        found = made.get(key)
        if found is None:
            compile_rule(self)
            if all(type(c).__module__.startswith("werkzeug.") for c in self._converters.values()):
                made[key] = (self._parts, self._trace, self._converters)
            return
        parts, trace, rule_converters = found
        self._parts, self._trace, self._converters = list(parts), list(trace), dict(rule_converters)
        self.arguments.update(name for dynamic, name in trace if dynamic)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)

    return compile


def install() -> None:
    """Every Flask app made in this process (ours, the example shop, the recipes) uses them."""
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _CompiledTemplates()}
    if "_compile_builder" in vars(Rule) and "_build_unknown" in Rule.build.__code__.co_names:
        Rule._compile_builder = _build_when_first_used(Rule._compile_builder)  # type: ignore[method-assign]
        Rule.compile = _compile_once(Rule.compile)  # type: ignore[method-assign]


def fewer_full_collections() -> None:
    """Python's full garbage collections walk every object a test process holds (the imported
    modules, the shared engines' compiled statements...): a sixth of its CPU.  What exists once
    the tests are collected is set aside for good (``gc.freeze``), and a full collection waits
    for ten times as many younger ones as by default: over the access matrix and two page
    modules, 3.5 s of 38 s of CPU less, 40 MB more memory in a worker."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 100)
