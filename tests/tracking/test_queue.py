"""tracking.queue: background work is queued after commit, through one broker per process."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_q.brokers import Broker
from django_q.conf import Conf

from tracking import queue


@pytest.mark.django_db(transaction=True)
def test_tasks_are_queued_after_commit_through_one_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    queue.broker.cache_clear()
    made: list[Broker] = []
    real = queue.get_broker

    def counting_get_broker() -> Broker:
        made.append(real())
        return made[-1]

    monkeypatch.setattr(queue, "get_broker", counting_get_broker)
    monkeypatch.setattr(Conf, "SYNC", False)  # the test settings run tasks at once
    first = queue.broker()
    before = first.queue_size() or 0
    with transaction.atomic():
        queue.task_enqueue("math.floor", 1.5)
        queue.task_enqueue("math.floor", 2.5)
        assert (first.queue_size() or 0) == before  # nothing before the commit
    assert (first.queue_size() or 0) == before + 2
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.task_enqueue("math.floor", 3.5)
        raise RuntimeError("rolled back")
    assert (first.queue_size() or 0) == before + 2  # a rolled-back write queues nothing
    assert made == [first]  # one broker (one connection pool) for every task
    first.purge_queue()
    queue.broker.cache_clear()


def test_a_sweep_does_each_id_and_logs_one_that_fails_again(caplog):
    from tracking.queue import sweep

    def do(pk: int) -> bool:
        if pk == 2:
            raise OSError("mail server down")
        return pk != 3  # 3: nothing left to do

    assert sweep([1, 2, 3, 4], do, what="test: thing %s: email") == 2
    assert "test: thing 2: email failed again" in caplog.text
