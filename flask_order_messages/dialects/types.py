"""Column types that take a database's own form where the portable one falls short."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

#: Fractional seconds on MariaDB, whose DATETIME otherwise drops them (ordering needs them).
DateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
#: Message ids grow large; SQLite only autoincrements a plain INTEGER key.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: The column type of ``search_text``.  On MariaDB/MySQL a binary collation, so that ``LIKE``
#: compares exactly (the default collations fold accents and case by their own rules).
SearchText = sa.Text().with_variant(
    mysql.MEDIUMTEXT(charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
)
#: Long text (a refused post's draft): MariaDB's/MySQL's TEXT stops at 64 KiB.
LongText = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
