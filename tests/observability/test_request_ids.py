"""New request ids: 32 hex digits, never repeated, in this process or a forked one."""

import os
import re

from api.observability.request_ids import request_id_from


def test_new_ids_are_hex_and_distinct() -> None:
    ids = [request_id_from(None) for _ in range(1000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", found) for found in ids)
    assert len(set(ids)) == len(ids)


def test_a_forked_worker_makes_ids_of_its_own() -> None:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its next id goes to the parent
        os.write(write, request_id_from(None).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    theirs = os.read(read, 64).decode()
    os.close(read)
    ours = request_id_from(None)
    assert theirs[:16] != ours[:16]
