"""The benchmark's pure helpers (``bench/``): the MariaDB loader's file format and schema
reading, the floor queries MariaDB can run, and the cost curve's chart.  The measured runs
themselves are not tests (``bench/README.md``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bench.chart import svg
from bench.load_mariadb import set_aside, tsv_value
from bench.queries import floor_queries

NAMES = {
    key: f"tbl_{key}"
    for key in (
        "users",
        "orders",
        "threads",
        "messages",
        "thread_search",
        "pointers",
        "floors",
        "floor_threads",
        "disputes",
    )
}


def test_tsv_values_escape_what_load_data_reads_as_structure() -> None:
    from datetime import datetime

    assert tsv_value(None) == "\\N"
    assert tsv_value(True) == "1" and tsv_value(False) == "0"
    assert tsv_value("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert tsv_value(datetime(2026, 1, 2, 3, 4, 5, 6)) == "2026-01-02 03:04:05.000006"
    assert tsv_value(42) == "42"


class _Cursor:
    def __init__(self, text: str) -> None:
        self.text = text

    def execute(self, sql: str) -> None:
        assert sql == "SHOW CREATE TABLE `t`"

    def fetchone(self) -> tuple[str, str]:
        return ("t", self.text)


def test_set_aside_reads_keys_fulltext_and_foreign_keys() -> None:
    text = (
        "CREATE TABLE `t` (\n"
        "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
        "  PRIMARY KEY (`id`),\n"
        "  UNIQUE KEY `uq_t_a` (`a`,`b`),\n"
        "  KEY `ix_t_c` (`c`),\n"
        "  FULLTEXT KEY `ix_t_ft` (`search_text`),\n"
        "  CONSTRAINT `fk_t` FOREIGN KEY (`c`) REFERENCES `u` (`id`) ON DELETE CASCADE,\n"
        "  CONSTRAINT `ck_t` CHECK (`a` is not null)\n"
        ") ENGINE=InnoDB"
    )
    aside = set_aside(_Cursor(text), "t")
    assert aside.keys == [
        ("uq_t_a", "UNIQUE KEY `uq_t_a` (`a`,`b`)"),
        ("ix_t_c", "KEY `ix_t_c` (`c`)"),
    ]
    assert aside.fulltext == [("ix_t_ft", "FULLTEXT KEY `ix_t_ft` (`search_text`)")]
    assert aside.foreign == [
        ("fk_t", "CONSTRAINT `fk_t` FOREIGN KEY (`c`) REFERENCES `u` (`id`) ON DELETE CASCADE")
    ]


def test_mariadb_floor_queries_use_its_own_syntax() -> None:
    queries = floor_queries("mariadb", NAMES)
    everything = " ".join(q if isinstance(q, str) else " ".join(q) for q in queries.values())
    assert ":per_page + :offset" not in everything  # no sums in LIMIT on MariaDB
    assert "MATCH (x.search_text) AGAINST" in str(queries["search"])
    assert "AS cand JOIN tbl_threads t" in str(queries["bell"])
    post = queries["post"]
    assert isinstance(post, list) and post[1].startswith("UPDATE tbl_threads JOIN")
    assert "UPDATE tbl_threads SET" in " ".join(floor_queries("sqlite", NAMES)["post"])


def _curve(first: float, last: float) -> dict[str, object]:
    def size(messages: int, p95: float) -> dict[str, object]:
        page = {"label": "Bell <counts>", "p95": p95}
        return {"messages": messages, "pages": {"bell": page, "all": dict(page, p95=p95 * 2)}}

    return {"date": "2026-12-07", "sizes": [size(100_000, first), size(10_000_000, last)]}


def test_chart_is_svg_with_a_line_per_page_and_the_ratio() -> None:
    drawn = svg(_curve(5.0, 7.5))
    root = ET.fromstring(drawn)  # well-formed, the label escaped
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 2
    assert all(len(line.get("points", "").split()) == 2 for line in lines)
    assert "Bell &lt;counts&gt; (1.50×)" in drawn
