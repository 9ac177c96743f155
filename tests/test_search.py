"""Keyword search gives the same threads on SQLite, PostgreSQL and MariaDB, through their indexes.

Run this file under each ``TEST_DATABASE_URL``: the corpus and the expected thread sets are the
same for all three.  The corpus is built to hit every place where the engines' own full-text
rules differ: accents and case, punctuation and ``%``/``_``, short words and InnoDB stopwords
(MariaDB's index leaves them out), PostgreSQL's number parsing (``1e5x``), other scripts.
"""

from __future__ import annotations

import random
import re
import unicodedata
from typing import Any

import pytest
import sqlalchemy as sa

from flask_order_messages import search

from . import committing as services
from .conftest import Order, User, db, make_order

# Thread key -> (owner, [(who, body)]): "c" the owner writes, "s" staff write, "n" a staff-only
# note, "d" the owner opens a dispute with this reason (an event everyone sees).
CORPUS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "A": (
        "carol",
        [
            ("c", "The parcel arrived DAMAGED — box crushed!"),
            ("s", "Sorry to hear that. We'll send a replacement."),
            ("n", "Courier: DHL, claim #A-1001 filed"),
        ],
    ),
    "B": (
        "carol",
        [
            ("c", "Where is my order? Tracking number 1Z999AA10123456784"),
            ("s", "It's in transit; ETA 3-5 days."),
            ("c", "Thanks!!"),
        ],
    ),
    "C": (
        "carol",
        [
            ("c", "Café au lait mug – wrong colour (crème, not noir)."),
            ("s", "We'll exchange the CAFE mug for the noir one."),
        ],
    ),
    "D": (
        "dave",
        [
            ("c", "I want a refund: 50% of the order was missing."),
            ("s", "Refund of €25.50 issued to your card ending 4242."),
            ("n", "Refund approved by manager; fraud score low"),
        ],
    ),
    "E": (
        "dave",
        [
            ("c", "Do you ship to Zürich? And to São Paulo?"),
            ("s", "Yes: Zürich in 2 days, São Paulo in 10."),
            ("c", "Address: Straße des 17. Juni 12, at the Bahnhofstraße corner"),
        ],
    ),
    "F": (
        "carol",
        [
            ("c", "an item is missing: the blue one of the 2 i ordered"),
            ("s", "Which one is it? The A_B model or the AXB?"),
            ("c", "The A_B, size XL"),
        ],
    ),
    "G": (
        "eve",
        [
            ("c", "email me at eve@example.com or call +1 (555) 010-9999"),
            ("s", "We emailed eve@example.com just now."),
        ],
    ),
    "H": (
        "eve",
        [
            ("c", "Coupon SAVE10 didn't work... error code E1E5"),
            ("s", "Use save-10 instead (with a hyphen)."),
            ("c", "ok thx"),
        ],
    ),
    "I": ("dave", [("c", "Still nothing after 3 weeks."), ("d", "Item never arrived")]),
    "J": ("carol", [("c", "Москва доставка? 東京駅 pickup?"), ("s", "Доставка в Москву: 7 дней")]),
    "K": ("eve", [("c", "1e5x widget and 1e5 gadget"), ("s", "Model 12e3abc is out of stock")]),
    "L": ("carol", [("c", "Is it the one with the lid?"), ("s", "With or without? THE THE the")]),
    "M": ("dave", [("c", "Orders 1001, 1002 and 10-03"), ("n", "Invoice INV-2024-0042 sent")]),
}

# (query, threads staff find, threads Carol finds, threads Dave finds)
EXPECTED = [
    ("parcel", "A", "A", ""),
    ("PARC", "A", "A", ""),  # a word's start, any case
    ("damaged box", "A", "A", ""),  # every word, here in one message
    ("parcel replacement", "A", "A", ""),  # ...or in different messages of the thread
    ("parcel refund", "", "", ""),
    ("arcel", "", "", ""),  # never inside a word
    ("cafe", "C", "C", ""),  # "Café" and "CAFE"
    ("CAFÉ crème", "C", "C", ""),
    ("zurich", "E", "", "E"),
    ("zür", "E", "", "E"),
    ("sao paulo", "E", "", "E"),
    ("strasse 17", "E", "", "E"),  # "Straße" folds to "strasse"
    ("bahnhofstr", "E", "", "E"),
    ("refund", "D", "", "D"),
    ("refund fraud", "D", "", ""),  # "fraud" is in a staff-only note
    ("dhl", "A", "", ""),
    ("1001", "AM", "", "M"),  # A's is in a note
    ("the", "ACDEFL", "ACFL", "DE"),  # an InnoDB stopword
    ("THE the", "ACDEFL", "ACFL", "DE"),
    ("wit", "HL", "L", ""),  # begins the stopword "with"
    ("it", "BFIL", "BFL", "I"),  # shorter than InnoDB's 3
    ("it's", "BFI", "BF", "I"),
    ("x", "F", "F", ""),
    ("3", "BI", "B", "I"),
    ("10", "AEHM", "", "EM"),
    ("é", "ABCDEFGHIJKLM", "BC", "D"),  # one letter, "e" once folded; staff: every "example"
    ("a_b model", "F", "F", ""),  # "_" separates: "a", "b" and "model"
    ("50%", "D", "", "D"),  # "%" separates, never a wildcard ("50" begins "50" of 25.50 too)
    ("5%0", "G", "", ""),  # "555" and "010"; as a wildcard "%" would have found D's "50%"
    ("%", "", "", ""),
    ("_", "", "", ""),
    ("1z999", "B", "B", ""),
    ("eve@example.com", "G", "", ""),  # "com" is an InnoDB stopword
    ("e1e5", "H", "", ""),
    ("save 10", "H", "", ""),
    ("didn't", "H", "", ""),
    ("1e5x", "K", "", ""),  # PostgreSQL's parser splits "1e5x" into "1e5" and "x"
    ("1e5", "K", "", ""),
    ("12e3a", "K", "", ""),
    ("москв", "J", "J", ""),  # other scripts, case folded too
    ("МОСКВА", "J", "J", ""),
    ("東京", "J", "J", ""),
    ("never arrived", "I", "", "I"),  # a dispute's reason is searchable, by its customer too
    ("ok thx", "H", "", ""),
    # The customer's name and email, as staff see them in the list: staff search only.
    ("dave", "DEIM", "", ""),
    ("DAV", "DEIM", "", ""),
    ("carol@example.test", "ABCFJL", "", ""),  # the whole address
    ("eve@example", "GHK", "", ""),  # its start
    ("example.test", "ABCDEFGHIJKLM", "", ""),  # its domain: everybody's
    ("carol parcel", "A", "", ""),  # a name and a message's word together
    ("dave carol", "", "", ""),  # two customers: no thread has both
]


def email(name: str) -> str:
    return f"{name.lower()}@example.test"


def _person(name: str, admin: bool = False) -> Any:
    user = User(name=name, email=email(name), is_admin=admin)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def people(staff: Any) -> dict[str, Any]:
    return {
        "staff": services.staff_actor(staff),
        **{n: services.customer_actor(_person(n.title())) for n in ("carol", "dave", "eve")},
    }


def build(corpus: dict[str, tuple[str, list[tuple[str, str]]]], people: dict[str, Any]) -> dict:
    """Post the corpus through the services; return {order number: thread key}."""
    keys = {}
    for n, (key, (owner, entries)) in enumerate(corpus.items()):
        # Order numbers no query here spells: a number typed in the box also finds its order.
        order = Order(id=70000 + n, customer_id=people[owner].id)
        db.session.add(order)
        db.session.commit()
        keys[f"{order.id:05d}"] = key
        for who, body in entries:
            if who == "d":
                services.open_dispute(order, people[owner], body)
            elif who == "c":
                services.post_message(order, people[owner], body)
            else:
                services.post_message(order, people["staff"], body, note=who == "n")
    return keys


@pytest.fixture
def corpus(people: dict[str, Any]) -> dict[str, str]:
    return build(CORPUS, people)


def found(people: dict[str, Any], keys: dict[str, str], who: str, query: str) -> str:
    page = services.list_threads(people[who], query=query, per_page=100)
    assert page.total == len(page.rows)
    return "".join(sorted(keys[row.order_number] for row in page.rows))


def test_the_corpus_is_big_enough():
    messages = [body for _, entries in CORPUS.values() for _, body in entries]
    assert len(messages) >= 30 and len(EXPECTED) >= 15


def test_search_finds_the_same_threads_everywhere(corpus, people):
    # Every query against one corpus (building it is most of the cost), every mismatch listed.
    wrong = []
    for query, *expected in EXPECTED:
        got = [found(people, corpus, who, query) for who in ("staff", "carol", "dave")]
        if got != expected:
            wrong.append(f"{query!r}: staff, carol, dave found {got}, expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_the_expected_sets_follow_the_written_rule():
    # The rule in words, in plain Python: a check on the table above, and the reference the
    # random corpus below is held to.
    for query, staff, carol, dave in EXPECTED:
        assert reference(CORPUS, query, "staff") == staff, query
        assert reference(CORPUS, query, "carol") == carol, query
        assert reference(CORPUS, query, "dave") == dave, query


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    text = "".join(c for c in text if not unicodedata.category(c).startswith("M"))
    return [w[:64] for w in re.findall(r"[^\W_]+", text)]


def reference(corpus: dict[str, tuple[str, list[tuple[str, str]]]], query: str, who: str) -> str:
    """Every word of the query begins a word of a message ``who`` may see in the thread, or,
    for staff, a word of the thread's customer's name or email (``people`` below)."""
    terms = list(dict.fromkeys(_words(query)))[: search.MAX_TERMS]
    if not terms:
        return ""
    hits = set()
    for key, (owner, entries) in corpus.items():
        if who != "staff" and owner != who:
            continue
        seen = [_words(body) for kind, body in entries if who == "staff" or kind != "n"]
        if who == "staff":
            seen.append(_words(f"{owner.title()} {email(owner)}"))
        if all(any(w.startswith(t) for ws in seen for w in ws) for t in terms):
            hits.add(key)
    return "".join(sorted(hits))


# A random corpus from tricky pieces: the engines must agree with the reference on all of it.
PIECES = [
    "the",
    "The",
    "THE",
    "with",
    "without",
    "wit",
    "a",
    "an",
    "it",
    "is",
    "of",
    "com",
    "www",
    "about",
    "abo",
    "parcel",
    "Parcel",
    "parc",
    "café",
    "cafe",
    "CAFÉ",
    "Crème",
    "naïve",
    "Straße",
    "strasse",
    "1e5",
    "1e5x",
    "12e3abc",
    "e5",
    "50",
    "50%",
    "5000",
    "A_B",
    "a-b",
    "x",
    "xy",
    "XYZ",
    "don't",
    "eve@example.com",
    "Москва",
    "москву",
    "東京駅",
    "ǅemal",
    "İstanbul",
    "ﬁle",
    "²",
    "#1001",
    "order",
    "orders",
    "ordered",
    "3-5",
    "10",
    "42",
    "_",
    "%",
]


def random_corpus(seed: int) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    rnd = random.Random(seed)
    corpus = {}
    for n in range(14):
        entries = []
        for _ in range(rnd.randint(1, 4)):
            body = " ".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 6)))
            entries.append((rnd.choice("ccsn"), body))
        corpus[f"R{n:02d}"] = (rnd.choice(["carol", "dave"]), entries)
    return corpus


def random_queries(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    queries = []
    for _ in range(count):
        picked = [rnd.choice(PIECES) for _ in range(rnd.randint(1, 3))]
        cut = [p[: rnd.randint(1, len(p))] if rnd.random() < 0.5 else p for p in picked]
        queries.append(" ".join(cut))
    return queries


def test_a_random_corpus_matches_the_reference(people):
    corpus = random_corpus(2024)
    keys = build(corpus, people)
    mismatches = []
    for query in random_queries(7, 120):
        for who in ("staff", "carol"):
            if found(people, keys, who, query) != reference(corpus, query, who):
                mismatches.append((who, query))
    assert mismatches == []


# -- the index is used -------------------------------------------------------------------------


def _plan(stmt: Any) -> str:
    """The database's plan for ``stmt``, as one string."""
    conn = db.session.connection()
    compiled = stmt.compile(dialect=conn.dialect)
    dialect = conn.dialect.name
    if dialect == "sqlite":
        params = [compiled.params[name] for name in compiled.positiontup]
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(params)).all()
    else:
        rows = conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


def _search_statement(people: dict[str, Any], query: str) -> Any:
    from flask_order_messages import current_order_messages as ext

    t, m = ext.models.Thread, ext.models.Message
    condition = search.threads_matching(
        query,
        thread=t,
        message=m,
        visible=sa.true(),
        bind=db.session.get_bind(mapper=sa.inspect(m)),
    )
    return sa.select(t.id).where(condition)


def test_a_one_word_search_uses_the_full_text_index(corpus, people):
    from flask_order_messages import current_order_messages as ext

    conn = db.session.connection()
    dialect = conn.dialect.name

    messages = ext.models.Message.__table__.name
    if dialect == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = _plan(_search_statement(people, "parcel"))
        assert search.index_name(messages) in plan, plan
    elif dialect in ("mysql", "mariadb"):
        plan = _plan(_search_statement(people, "parcel"))
        assert "fulltext" in plan and f"{search.index_name(messages)}_ft" in plan, plan
        # A word InnoDB leaves out of its index is checked without it -- and still found.
        assert "fulltext" not in _plan(_search_statement(people, "wit"))
    else:
        plan = _plan(_search_statement(people, "parcel"))
        assert f"{search.fts_table_name(messages)} VIRTUAL TABLE INDEX" in plan, plan
    db.session.rollback()


# -- search_text ------------------------------------------------------------------------------


def test_search_text_is_filled_for_every_insert(app, people):
    from flask_order_messages import current_order_messages as ext

    m = ext.models.Message
    order = make_order(people["carol"].user)
    thread = services.get_or_create_thread(order)
    # A bulk loader's Core insert (executemany) gets it as well as the services' ORM insert.
    db.session.execute(
        sa.insert(m),
        [
            {"thread_id": thread.id, "author_role": "customer", "body": "Ça VA? déjà-vu"},
            {"thread_id": thread.id, "author_role": "staff", "body": "Straße_42 ..."},
        ],
    )
    db.session.commit()
    texts = db.session.execute(sa.select(m.search_text).order_by(m.id)).scalars().all()
    assert texts == ["ca va deja vu", "strasse 42"]


def test_words_and_terms():
    assert search.words("The PARCEL—arrived, 50% off; A_B x²") == [
        "the",
        "parcel",
        "arrived",
        "50",
        "off",
        "a",
        "b",
        "x2",
    ]
    assert search.words("Crème brûlée, Straße, İstanbul, ﬁle") == [
        "creme",
        "brulee",
        "strasse",
        "istanbul",
        "file",
    ]
    assert search.words("x" * 100) == ["x" * search.WORD_LIMIT]
    assert search.search_text("  Hello,   World!  ") == "hello world"
    # No repeats, no word that begins another, at most MAX_TERMS.
    assert search.terms("par parcel PARCEL box") == ["parcel", "box"]
    assert search.terms(" ".join(f"w{i}x" for i in range(20))) == [f"w{i}x" for i in range(8)]
    assert search.terms("%% __ --") == []
