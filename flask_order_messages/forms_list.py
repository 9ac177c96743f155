"""The Messages section's query as a redirect carries it back (after a bulk mark, a team
action): only the list's own parameters, each only with a value the list itself takes, so a
303 never echoes what came with the request (a 1 MiB search term, an unknown filter, a page
number of a thousand digits) into its ``Location``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .forms import MAX_PAGE, MAX_QUERY_LENGTH
from .models_vendors import VENDOR_KEY_LENGTH
from .services.assignment import VIEWS
from .services.listing import THREAD_FILTERS
from .services.status import STATUS_FILTERS
from .services.targets import DUE_FILTERS


def _page(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 7 and 1 <= int(value) <= MAX_PAGE


def _at_most(length: int) -> Callable[[str], bool]:
    return lambda value: len(value) <= length


#: Each parameter of the list, and what it may be.
LIST_PARAMS: dict[str, Callable[[str], bool]] = {
    "q": _at_most(MAX_QUERY_LENGTH),
    "filter": THREAD_FILTERS.__contains__,
    "page": _page,
    "view": VIEWS.__contains__,
    "status": STATUS_FILTERS.__contains__,
    "due": DUE_FILTERS.__contains__,
    "vendor": _at_most(VENDOR_KEY_LENGTH),
}


def bounded_list_params(values: dict[str, Any]) -> dict[str, str]:
    """The list parameters among ``values`` that the list takes as they are; the others
    (unknown names, values out of their sets, too long) are dropped."""
    kept = {}
    for name, fits in LIST_PARAMS.items():
        value = values.get(name)
        if isinstance(value, str) and value and fits(value):
            kept[name] = value
    return kept


def back_params(form: Any, marked: int | None, done: str, ticked: int | None) -> dict[str, str]:
    """The Messages list's own query (search, filter, page, view, status: those of ``form``'s
    values the list takes) to go back to after a bulk change; with ``marked`` (how many
    threads were changed, of ``ticked``, None: of all) the list says what was done: ``done``
    (one of ``BULK_DONE``)."""
    params = bounded_list_params({name: form[name].data for name in LIST_PARAMS})
    if marked is not None:
        params.update(marked=done, count=str(marked))
        params.update({} if ticked is None else {"of": str(ticked)})
    return params
