from sqlalchemy import create_engine

from app.evm.execution.state_store import SqlStateStore


def test_batch_commits_and_survives_reopen(db_url):
    engine = create_engine(db_url)
    store = SqlStateStore(engine)
    with store.atomic_batch() as batch:
        batch[b"a"] = b"1"
        batch[b"b"] = b"2"
    del store[b"b"]
    store.commit()
    reopened = SqlStateStore(engine)
    assert reopened[b"a"] == b"1"
    assert b"b" not in reopened
    engine.dispose()


def test_failed_batch_writes_nothing(db_url):
    engine = create_engine(db_url)
    store = SqlStateStore(engine)
    try:
        with store.atomic_batch() as batch:
            batch[b"k"] = b"v"
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert b"k" not in store
    store[b"x"] = b"y"
    store.discard()
    assert b"x" not in store
    engine.dispose()
