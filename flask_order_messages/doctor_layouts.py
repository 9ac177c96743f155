"""``flask order-messages doctor``: the layouts the staff and customer pages extend, checked
(the other set-up checks are in :mod:`.doctor_setup`)."""

from __future__ import annotations

from flask import current_app
from jinja2 import Environment, TemplateNotFound, TemplateSyntaxError, nodes

from .doctor import ERROR, OK, Finding, brief
from .i18n import gettext as _
from .state import current_settings

#: Our own stand-alone layout, the default of both layout keys.
OWN_LAYOUT = "order_messages/layout.html"


class LayoutError(Exception):
    """A layout or one of its parents cannot be loaded or parsed."""


def layout_blocks(env: Environment, name: str) -> tuple[set[str], list[str]]:
    """(every block named in ``name`` and the templates it extends, that chain of names).
    A parent named by an expression (not a plain string) cannot be followed and is left out.
    Raises :class:`LayoutError` when a template of the chain is missing or broken."""
    if env.loader is None:
        raise LayoutError(_("the app's Jinja environment has no loader"))
    blocks: set[str] = set()
    chain: list[str] = []
    todo = [name]
    while todo:
        current = todo.pop(0)
        if current in chain:
            continue
        chain.append(current)
        try:
            source, _name, _uptodate = env.loader.get_source(env, current)
            tree = env.parse(source, current)
        except TemplateNotFound:
            if current == name:
                raise LayoutError(_("template %(name)r is not found", name=current)) from None
            raise LayoutError(
                _(
                    "template %(name)r (extended by %(child)s) is not found",
                    name=current,
                    child=chain[-2],
                )
            ) from None
        except TemplateSyntaxError as exc:
            raise LayoutError(
                _("template %(name)r does not parse: %(error)s", name=current, error=brief(exc))
            ) from None
        blocks |= {block.name for block in tree.find_all(nodes.Block)}
        for extends in tree.find_all(nodes.Extends):
            if isinstance(extends.template, nodes.Const) and isinstance(
                extends.template.value, str
            ):
                todo.append(extends.template.value)
    return blocks, chain


def _check_layout(side: str, name: str, block: str, key: str) -> list[Finding]:
    check = f"{side} layout"
    if name == OWN_LAYOUT:
        return [
            Finding(
                OK,
                check,
                _(
                    "the extension's own stand-alone layout; set %(key)s to your own base "
                    "template to have the pages look like yours.",
                    key=key,
                ),
            )
        ]
    try:
        blocks, chain = layout_blocks(current_app.jinja_env, name)
    except LayoutError as exc:
        return [
            Finding(
                ERROR,
                check,
                _("%(key)s = %(name)s: %(exc)s.", key=key, name=repr(name), exc=exc),
                _(
                    "Set %(key)s to a template your app's loader finds (a path under its "
                    "templates folder, as you would pass to render_template).",
                    key=key,
                ),
            )
        ]
    via = f" (via {' -> '.join(chain)})" if len(chain) > 1 else ""
    if block not in blocks:
        listed = ", ".join(sorted(blocks)) or "none"
        return [
            Finding(
                ERROR,
                check,
                _(
                    "%(name)s%(via)s has no block %(block)s, which our pages fill; its blocks: "
                    "%(listed)s.",
                    name=repr(name),
                    via=via,
                    block=repr(block),
                    listed=listed,
                ),
                _(
                    "Set %(key)s_BLOCK to the block that holds the page's main content, or add "
                    "{%% block %(block)s %%}{%% endblock %%} to the layout.",
                    key=key,
                    block=block,
                ),
            )
        ]
    title = (
        "and its 'title' block"
        if "title" in blocks
        else "(it has no 'title' block: the pages keep the layout's own title)"
    )
    return [
        Finding(
            OK,
            check,
            _(
                "%(name)s%(via)s found; our pages fill its %(block)s block %(title)s.",
                name=repr(name),
                via=via,
                block=repr(block),
                title=title,
            ),
        )
    ]


def check_layouts() -> list[Finding]:
    """Both layouts load from the app's Jinja loader and have the blocks our pages fill."""
    config = current_app.config
    out = []
    sides = (
        ("admin", current_settings.admin_layout),
        ("customer", current_settings.customer_layout),
    )
    for side, name in sides:
        key = f"ORDER_MESSAGES_{side.upper()}_LAYOUT"
        # The block keys may be missing from an older config: "content" is their default.
        block = config.get(f"{key}_BLOCK") or "content"
        out += _check_layout(side, name, block, key)
    return out
