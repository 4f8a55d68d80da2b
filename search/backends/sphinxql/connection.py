"""Connections to searchd nodes over the MySQL protocol (PyMySQL, the only module of the
project that imports it): one per node and process, opened on first use and opened
again after a failure, autocommit on (PyMySQL's default `SET AUTOCOMMIT=0` leaves RT
inserts invisible until a COMMIT that never comes).

Every failure to reach or query a node becomes NodeError naming the node, so a reindex
can say which node was down and the backend can tell an engine error from a dead node."""

from __future__ import annotations

import os
import threading

from ...dependencies import load

pymysql = load("pymysql")  # MissingDependency, one line with the repair, when it is not installed

CONNECT_TIMEOUT = 2.0   # seconds; a node that takes longer is reported as down
READ_TIMEOUT = 30.0


class NodeError(ConnectionError):
    """A node could not be reached, or refused a statement; `address` names it."""

    def __init__(self, address: str, detail: str, reachable: bool = False) -> None:
        self.address, self.detail, self.reachable = address, detail, reachable
        super().__init__(f"searchd at {address}: {detail}")


def split_address(address: str) -> tuple[str, int]:
    host, _, port = address.strip().rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"{address!r} is not host:port")
    return host, int(port)


class Node:
    """One searchd's mysql41 listener; `query` runs a statement and returns its rows,
    or, for a batch, the rows of each result set."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.host, self.port = split_address(address)
        self._conn: pymysql.connections.Connection | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def _connection(self) -> pymysql.connections.Connection:
        if self._conn is None or self._pid != os.getpid():  # never share a socket across a fork
            self._pid = os.getpid()
            try:
                self._conn = pymysql.connect(host=self.host, port=self.port, autocommit=True,
                                             connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                                             write_timeout=READ_TIMEOUT, charset="utf8",
                                             client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
            except pymysql.MySQLError as e:
                self._conn = None
                raise NodeError(self.address, _reason(e)) from None
        return self._conn

    def batch(self, sql: str) -> list[list[tuple]]:
        """Every result set of a statement or a `;`-separated batch, as lists of rows."""
        with self._lock:
            for attempt in (0, 1):
                conn = self._connection()
                try:
                    with conn.cursor() as cur:
                        cur.execute(sql)
                        sets = [list(cur.fetchall())]
                        while cur.nextset():
                            sets.append(list(cur.fetchall()))
                        return sets
                except pymysql.err.OperationalError as e:
                    # A connection the node closed (restarted, idle timeout): once more, anew.
                    self.close_connection()
                    if attempt or e.args[0] not in _LOST:
                        raise NodeError(self.address, _reason(e)) from None
                except pymysql.MySQLError as e:
                    if isinstance(e, (pymysql.err.InterfaceError,)):
                        self.close_connection()
                        if not attempt:
                            continue
                        raise NodeError(self.address, _reason(e)) from None
                    # The node answered with an error: the statement, not the node, is at fault
                    # (or, through the front, every agent failed).
                    raise NodeError(self.address, _reason(e), reachable=True) from None
        raise AssertionError("unreachable")

    def query(self, sql: str) -> list[tuple]:
        return self.batch(sql)[0]

    def close_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - a dead socket may fail to close; it is dropped anyway
                pass


_LOST = {2006, 2013, 2003, 2055}  # server gone, lost during query, can't connect, lost connection


def _reason(error: BaseException) -> str:
    args = getattr(error, "args", ())
    text = str(args[1]) if len(args) > 1 else str(error)
    return " ".join(text.split()) or type(error).__name__


def ping(address: str) -> str | None:
    """None when the node answers a statement, else why not."""
    node = Node(address)
    try:
        node.query("SHOW STATUS LIKE 'uptime'")
        return None
    except NodeError as e:
        return e.detail
    finally:
        node.close_connection()
