"""RQ (python3-rq) against Shoal: enqueue jobs, run a burst worker, read the
results. RQ 1.13 sees redis_version 7.x and keeps job results in a stream
per job (XADD ... MAXLEN 10, read back with XREVRANGE), besides its lists,
hashes, sorted sets and Lua scripts, so this exercises streams as a real
client library uses them.

Two workers: RQ's SimpleWorker in this process (no fork), and the `rq
worker --burst` command line in a subprocess (importing this module for the
job function). Everything is bounded in time.
"""
import os
import subprocess
import sys

import pytest

rq = pytest.importorskip("rq")
from rq import Queue, SimpleWorker  # noqa: E402
from rq.job import Job  # noqa: E402
from rq.results import Result  # noqa: E402

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))


def add(a, b):
    return a + b


def fail(message):
    raise ValueError(message)


@pytest.fixture
def conn(server):
    c = server.client()
    c.flushall()
    yield c
    c.close()


def test_rq_uses_the_results_stream(conn):
    q = Queue("default", connection=conn)
    job = q.enqueue(add, 2, 3)
    assert q.count == 1
    worker = SimpleWorker([q], connection=conn)
    assert worker.work(burst=True, max_jobs=10) is True
    job = Job.fetch(job.id, connection=conn)
    assert job.get_status() == "finished"
    assert job.return_value() == 5
    # The result is an entry of the job's results stream.
    key = Result.get_key(job.id)
    assert conn.type(key) == b"stream"
    assert conn.xlen(key) == 1
    latest = Result.fetch_latest(job)
    assert latest.type == Result.Type.SUCCESSFUL and latest.return_value == 5


def test_rq_failed_job_and_several_results(conn):
    q = Queue("default", connection=conn)
    bad = q.enqueue(fail, "boom")
    jobs = [q.enqueue(add, i, i) for i in range(5)]
    SimpleWorker([q], connection=conn).work(burst=True, max_jobs=20)
    bad = Job.fetch(bad.id, connection=conn)
    assert bad.get_status() == "failed"
    latest = Result.fetch_latest(bad)
    assert latest.type == Result.Type.FAILED and "boom" in latest.exc_string
    assert [Job.fetch(j.id, connection=conn).return_value() for j in jobs] == [0, 2, 4, 6, 8]
    # Re-running a job appends to its stream; all results are listed, newest first.
    q.enqueue_job(Job.fetch(jobs[1].id, connection=conn))
    SimpleWorker([q], connection=conn).work(burst=True, max_jobs=5)
    results = Result.all(Job.fetch(jobs[1].id, connection=conn))
    assert len(results) == 2 and all(r.return_value == 2 for r in results)


def test_rq_command_line_burst_worker(server, conn):
    q = Queue("cli", connection=conn)
    job = q.enqueue("test_rq.add", 20, 22)
    env = dict(os.environ, PYTHONPATH=TESTS_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url",
         f"redis://127.0.0.1:{server.port}/0", "cli"],
        env=env, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    job = Job.fetch(job.id, connection=conn)
    assert job.get_status() == "finished"
    assert job.return_value() == 42
