"""The floor: for each page, one hand-written SQL query that fetches the rows the page shows.

Written the way one would write them by hand against these tables, with the same meaning as
the extension's rules (unread = newer than your pointer, not your own, visible to you;
customers never see staff-only notes).  Parameters: ``:user`` (the viewer), ``:order``,
``:per_page``, ``:offset``, ``:window`` (``per_page + offset``: MariaDB takes no sums in
``LIMIT``), ``:word``, ``:floor`` (the staff viewer's read floor, which the
pages read in a small statement of their own: a number, so that the planner sees how few
threads lie above it).  A list is several statements run in one go (posting on SQLite and
MariaDB, which have no ``INSERT`` inside ``WITH``).  On MariaDB the staff member's unread
candidates are a derived table the threads join to (as ``t.id IN (... UNION ...)`` MariaDB
runs the subquery once per thread), and the search uses the documents' ``FULLTEXT`` index
(``MATCH ... AGAINST`` in boolean mode).
"""

from __future__ import annotations


def floor_queries(backend: str, names: dict[str, str]) -> dict[str, str | list[str]]:
    t, m, p, d = names["threads"], names["messages"], names["pointers"], names["disputes"]
    users, orders = names["users"], names["orders"]
    pg, my = backend == "postgresql", backend == "mariadb"

    def unread_exists(notes: bool) -> str:
        hidden = " AND x.kind <> 'note'" if notes else ""
        return (
            f"EXISTS (SELECT 1 FROM {m} x WHERE x.thread_id = t.id "
            "AND x.id > COALESCE(p.last_read_id, 0) "
            f"AND (x.author_id IS NULL OR x.author_id <> :user){hidden})"
        )

    staff_unread = (
        "t.last_message_id > COALESCE(p.last_read_id, 0) AND ("
        "(t.last_author_id IS NOT NULL AND t.last_author_id <> :user) OR "
        f"{unread_exists(False)})"
    )
    # A staff member's unread threads are among those above their read floor and those
    # listed under it (flask_order_messages/services/floors.py).
    above = (
        f"SELECT c.id FROM {t} c WHERE c.last_message_id > :floor "
        f"UNION SELECT l.thread_id FROM {names['floor_threads']} l WHERE l.user_id = :user"
    )
    every = f"{t} t"
    if my:
        candidates, among = "", f"({above}) AS cand JOIN {t} t ON t.id = cand.id"
    else:
        candidates, among = f"t.id IN ({above}) AND ", every
    customer_unread = f"t.last_message_id > COALESCE(p.last_read_id, 0) AND {unread_exists(True)}"
    # Staff search: the threads' search documents (one row per thread, every entry's words).
    docs = names["thread_search"]
    if pg:
        search = (
            f"t.id IN (SELECT x.thread_id FROM {docs} x WHERE array_to_tsvector("
            "array_remove(string_to_array(x.search_text, ' '), '')) @@ (:word || ':*')::tsquery "
            "AND (' ' || x.search_text) LIKE '% ' || :word || '%')"
        )
    elif my:
        search = (
            f"t.id IN (SELECT x.thread_id FROM {docs} x WHERE MATCH (x.search_text) "
            "AGAINST (CONCAT('+', :word, '*') IN BOOLEAN MODE) "
            "AND CONCAT(' ', x.search_text) LIKE CONCAT('% ', :word, '%'))"
        )
    else:
        fts = f"{docs}_fts"
        search = (
            f"t.id IN (SELECT x.thread_id FROM {docs} x WHERE x.thread_id IN "
            f"(SELECT rowid FROM {fts} WHERE {fts} MATCH '\"' || :word || '\"*') "
            "AND (' ' || x.search_text) LIKE '% ' || :word || '%')"
        )

    columns = (
        "SELECT t.id, t.order_id, t.last_message_at, m.kind, m.event, m.body, d.id, "
        f"(SELECT COUNT(*) FROM {m} x WHERE x.thread_id = t.id "
        "AND x.id > COALESCE(p.last_read_id, 0) "
        "AND (x.author_id IS NULL OR x.author_id <> :user)) AS unread "
    )
    joins = (
        f"LEFT JOIN {p} p ON p.thread_id = t.id AND p.user_id = :user "
        f"LEFT JOIN {d} d ON d.open_thread_id = t.id "
        f"JOIN {m} m ON m.id = t.last_message_id "
    )

    def listing(condition: str) -> str:
        """A narrowed-down list (search, disputes): sort what matches, unread first."""
        return (
            f"{columns}FROM {t} t {joins}"
            f"WHERE {condition} "
            f"ORDER BY CASE WHEN {staff_unread} THEN 0 ELSE 1 END, "
            "t.last_message_at DESC, t.id DESC "
            "LIMIT :per_page OFFSET :offset"
        )

    def newest(condition: str, rank: int, source: str = every) -> str:
        return (
            f"SELECT id, {rank} AS rank FROM (SELECT t.id FROM {source} "
            f"LEFT JOIN {p} p ON p.thread_id = t.id AND p.user_id = :user "
            f"WHERE t.last_message_id IS NOT NULL AND {condition} "
            "ORDER BY t.last_message_at DESC, t.id DESC LIMIT :window) AS s"
        )

    def unread_first(*, read_too: bool) -> str:
        """Every thread, unread first: the newest unread ones and the newest read ones,
        each read down the last_message_at index, merged."""
        pages = newest(candidates + staff_unread, 0, among)
        if read_too:
            pages += f" UNION ALL {newest(f'NOT ({staff_unread})', 1)}"
        return (
            f"WITH page AS ({pages}) {columns}FROM page JOIN {t} t ON t.id = page.id {joins}"
            "ORDER BY page.rank, t.last_message_at DESC, t.id DESC "
            "LIMIT :per_page OFFSET :offset"
        )

    def thread(notes: bool) -> str:
        hidden = " AND x.kind <> 'note'" if notes else ""
        return (
            "SELECT x.id, x.author_id, x.author_role, x.kind, x.event, x.body, x.created_at, "
            f"u.name FROM {t} t JOIN {m} x ON x.thread_id = t.id "
            f"LEFT JOIN {users} u ON u.id = x.author_id "
            f"WHERE t.order_id = :order{hidden} ORDER BY x.id"
        )

    def counts(unread: str, scope: str, source: str = every) -> str:
        """The bell's two numbers, each counted up to 100 as the bell counts them."""
        return (
            f"SELECT (SELECT COUNT(*) FROM (SELECT 1 AS one FROM {source} "
            f"LEFT JOIN {p} p ON p.thread_id = t.id AND p.user_id = :user "
            f"WHERE {scope}{unread} LIMIT 100) AS u), "
            f"(SELECT COUNT(*) FROM (SELECT 1 AS one FROM {d} d JOIN {t} t ON t.id = d.thread_id "
            f"WHERE {scope}d.open_thread_id IS NOT NULL LIMIT 100) AS o)"
        )

    owned = f"t.order_id IN (SELECT o.id FROM {orders} o WHERE o.customer_id = :user) AND "
    now = "LOCALTIMESTAMP" if pg else "NOW(6)" if my else "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    insert = (
        f"INSERT INTO {m} (thread_id, author_id, author_role, kind, body, search_text, "
        f"created_at) SELECT t.id, :user, 'staff', 'message', 'Bench floor reply', "
        f"'bench floor reply', {now} FROM {t} t WHERE t.order_id = :order"
    )
    update = (
        "UPDATE {t} SET last_message_id = n.id, last_message_at = n.created_at, "
        "last_author_id = :user, message_count = message_count + 1 FROM {n} n "
        "WHERE {t}.id = n.thread_id"
    )
    if pg:
        post: str | list[str] = (
            f"WITH n AS ({insert} RETURNING id, thread_id, created_at) " + update.format(t=t, n="n")
        )
    elif my:
        latest = (
            f"(SELECT x.id, x.thread_id, x.created_at FROM {m} x JOIN {t} o "
            "ON o.id = x.thread_id WHERE o.order_id = :order ORDER BY x.id DESC LIMIT 1) AS n"
        )
        post = [
            insert,
            f"UPDATE {t} JOIN {latest} ON {t}.id = n.thread_id "
            f"SET {t}.last_message_id = n.id, {t}.last_message_at = n.created_at, "
            f"{t}.last_author_id = :user, {t}.message_count = {t}.message_count + 1",
        ]
    else:
        latest = (
            f"(SELECT x.id, x.thread_id, x.created_at FROM {m} x JOIN {t} t "
            "ON t.id = x.thread_id WHERE t.order_id = :order ORDER BY x.id DESC LIMIT 1)"
        )
        post = [insert, update.format(t=t, n=latest)]
    return {
        "all": unread_first(read_too=True),
        "unread": unread_first(read_too=False),
        "disputes": listing("d.id IS NOT NULL"),
        "search": listing(search),
        "page50": unread_first(read_too=True),
        "bell": counts(staff_unread, candidates, among),
        "order_tab": thread(False),
        "customer_tab": thread(True),
        "customer_bell": counts(customer_unread, owned),
        "post": post,
    }
